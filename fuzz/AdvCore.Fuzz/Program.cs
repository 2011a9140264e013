using SharpFuzz;

namespace AdvCore.Fuzz;

/// <summary>
/// <c>AdvCore.Fuzz TARGET</c> under afl-fuzz (SharpFuzz out-of-process loop);
/// <c>AdvCore.Fuzz TARGET FILE...</c> replays files (a corpus, a crash) and reports each outcome.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: AdvCore.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
            return 2;
        }
        if (args.Length > 1) return Replay(target, args[1..]);
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            try
            {
                target(buffer.ToArray());
            }
            catch (Exception e) when (FuzzTargets.IsExpected(e))
            {
                // A clear refusal of bad input is the wanted outcome.
            }
        });
        return 0;
    }

    private static int Replay(Action<byte[]> target, string[] files)
    {
        int findings = 0;
        foreach (string file in files)
        {
            try
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine($"{file}: accepted");
            }
            catch (Exception e) when (FuzzTargets.IsExpected(e))
            {
                Console.WriteLine($"{file}: refused: {e.Message.Split('\n')[0]}");
            }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"{file}: FINDING {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }
        return findings == 0 ? 0 : 1;
    }
}
