using BenchmarkDotNet.Running;

namespace AdvCore.Bench;

/// <summary>
/// <c>AdvCore.Bench [BenchmarkDotNet arguments]</c> runs the BenchmarkDotNet suite (e.g.
/// <c>--filter '*C4*' --job short</c>); <c>AdvCore.Bench peer --out DIR --device cpu|cuda [--quick]</c>
/// writes the AdvCore side of the PyTorch comparison (bench/peers/run.sh);
/// <c>AdvCore.Bench cg-peer --out DIR</c> the AdvCore side of the scipy CG comparison (bench/peers/cg_scipy.py);
/// <c>AdvCore.Bench smooth-peer --out DIR --model FILE</c> the randomized-smoothing comparison (bench/peers/smooth_peer.py);
/// <c>AdvCore.Bench kmeans-peer --out DIR</c> the patch k-means / exact k-NN comparison with faiss (bench/peers/kmeans.sh).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "peer") return PeerMode.Run(args[1..]);
        if (args.Length > 0 && args[0] == "check") return CheckMode.Run(args[1..]);
        if (args.Length > 0 && args[0] == "loop") return LoopMode.Run(args[1..]);
        if (args.Length > 0 && args[0] == "cg-peer") return CgPeerMode.Run(args[1..]);
        if (args.Length > 0 && args[0] == "smooth-peer") return SmoothPeerMode.Run(args[1..]);
        if (args.Length > 0 && args[0] == "kmeans-peer") return KMeansPeerMode.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
        return 0;
    }
}
