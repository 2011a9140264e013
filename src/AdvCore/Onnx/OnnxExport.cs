using AdvCore.IO;
using AdvCore.Models;
using AdvCore.Nn;
using static AdvCore.Onnx.OnnxGraphBuilder;

namespace AdvCore.Onnx;

/// <summary>
/// Writes a network as an ONNX model (opset <see cref="Opset"/>) that ONNX Runtime, PyTorch's
/// onnx2torch and AdvCore's own importer read: input "input" [N, C, H, W], output "logits" [N, K],
/// initializers under the state_dict names. 'same' padding is written as the explicit pads it
/// resolves to for the architecture's input size; dropout as inference-mode Dropout.
/// </summary>
public static class OnnxExport
{
    /// <summary>The default-domain operator set the files declare.</summary>
    public const int Opset = 13;

    /// <summary>The ONNX IR version the files declare (IR 7 goes with opset 13).</summary>
    public const int IrVersion = 7;

    /// <summary>Metadata key holding the architecture JSON (docs/model-format.md), for reference only: import reads the graph.</summary>
    public const string ArchitectureKey = "advcore.architecture";

    /// <summary>Metadata key holding the training record JSON.</summary>
    public const string TrainingKey = "advcore.training";

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, ModelArchitecture architecture, Network network, string? training = null) =>
        AtomicFile.WriteBytes(path, ToBytes(architecture, network, training));

    /// <summary>The ONNX file's bytes for <paramref name="network"/> built from <paramref name="architecture"/>.</summary>
    public static byte[] ToBytes(ModelArchitecture architecture, Network network, string? training = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(network);
        if (!network.InputShape.SequenceEqual(architecture.InputShape) || network.OutputClasses != architecture.Classes)
            throw new ArgumentException("the network was not built from this architecture (input shape or classes differ)");
        var model = new OnnxModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "AdvCore",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
        };
        model.OpsetImports.Add(("", Opset));
        model.Metadata.Add(new(ArchitectureKey, ArchitectureJson.Serialize(architecture)));
        if (training is not null) model.Metadata.Add(new(TrainingKey, training));

        var graph = model.Graph;
        graph.Name = architecture.Name;
        graph.Inputs.Add(new OnnxValueInfo
        {
            Name = "input", ElementType = OnnxDataType.Float,
            Shape = [null, .. architecture.InputShape.Select(d => (long?)d)],
        });
        var state = network.GetState();
        var emitter = new Emitter(new OnnxGraphBuilder(graph), state);
        var shape = architecture.InputShape.Select(d => (long)d).ToArray();
        emitter.Chain(architecture.Layers, "", "input", ref shape);
        emitter.Builder.RenameLastOutput("logits");
        graph.Outputs.Add(new OnnxValueInfo { Name = "logits", ElementType = OnnxDataType.Float, Shape = [null, architecture.Classes] });
        return OnnxProtoWriter.WriteModel(model);
    }

    /// <summary>Turns layers into nodes, tracking the per-sample shape (needed to resolve 'same' padding).</summary>
    private sealed class Emitter(OnnxGraphBuilder builder, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> state)
    {
        public OnnxGraphBuilder Builder { get; } = builder;

        public string Chain(IReadOnlyList<LayerSpec> layers, string prefix, string x, ref long[] shape)
        {
            for (int i = 0; i < layers.Count; i++) x = Layer(layers[i], $"{prefix}{i}.", x, ref shape);
            return x;
        }

        private string Weight(string name) => Builder.Initializer(name, state[name].Shape, state[name].Data);

        private string Layer(LayerSpec layer, string p, string x, ref long[] shape)
        {
            switch (layer)
            {
                case Conv2dLayer c:
                {
                    var pad = ConvPadding.Resolve(c.Padding, (int)shape[1], (int)shape[2], c.KernelSize, c.KernelSize, c.Stride, c.Stride);
                    List<string> inputs = [x, Weight(p + "weight")];
                    if (c.Bias) inputs.Add(Weight(p + "bias"));
                    shape = [c.OutChannels,
                        Conv2dParams.OutputSize(shape[1], c.KernelSize, c.Stride, pad.PadTop, pad.PadBottom),
                        Conv2dParams.OutputSize(shape[2], c.KernelSize, c.Stride, pad.PadLeft, pad.PadRight)];
                    return Builder.Node("Conv", p, inputs,
                        Ints("kernel_shape", c.KernelSize, c.KernelSize), Ints("strides", c.Stride, c.Stride),
                        Ints("pads", pad.PadTop, pad.PadLeft, pad.PadBottom, pad.PadRight));
                }
                case LinearLayer l:
                {
                    // Our linear layer flattens its input implicitly; Gemm needs [N, F].
                    if (shape.Length > 1) x = Builder.Node("Flatten", p, [x], Int("axis", 1));
                    List<string> inputs = [x, Weight(p + "weight")];
                    if (l.Bias) inputs.Add(Weight(p + "bias"));
                    shape = [l.OutFeatures];
                    return Builder.Node("Gemm", p, inputs, Int("transB", 1));
                }
                case ActivationLayer { Kind: ActivationKind.ReLU }:
                    return Builder.Node("Relu", p, [x]);
                case ActivationLayer { Kind: ActivationKind.LeakyReLU } a:
                    return Builder.Node("LeakyRelu", p, [x], Float("alpha", a.Param));
                case ActivationLayer { Kind: ActivationKind.BoundedReLU } a:
                    return Builder.Node("Clip", p, [x, Builder.Initializer(p + "min", [], [0f]), Builder.Initializer(p + "max", [], [a.Param])]);
                case MaxPoolLayer m:
                    return Pool("MaxPool", m.Params, p, x, ref shape);
                case AvgPoolLayer a:
                    return Pool("AveragePool", a.Params, p, x, ref shape, Int("count_include_pad", 1));
                case GlobalAvgPoolLayer:
                    shape = [shape[0]];
                    return Builder.Node("Flatten", p, [Builder.Node("GlobalAveragePool", p, [x])], Int("axis", 1));
                case BatchNormLayer b:
                    // ONNX's momentum weighs the running value, PyTorch's (ours) the batch value.
                    return Builder.Node("BatchNormalization", p,
                        [x, Weight(p + "weight"), Weight(p + "bias"), Weight(p + "running_mean"), Weight(p + "running_var")],
                        Float("epsilon", b.Eps), Float("momentum", 1 - b.Momentum));
                case DropoutLayer d:
                    return Builder.Node("Dropout", p, [x, Builder.Initializer(p + "ratio", [], [d.P])]);
                case FlattenLayer:
                    shape = [shape.Aggregate(1L, (a, s) => a * s)];
                    return Builder.Node("Flatten", p, [x], Int("axis", 1));
                case ResidualLayer r:
                {
                    var bodyShape = shape;
                    string body = Chain(r.Body, p + "body.", x, ref bodyShape);
                    return Builder.Node("Add", p, [x, body]);
                }
                default:
                    throw new NotSupportedException($"layer {layer} has no ONNX form");
            }
        }

        private string Pool(string op, PoolParams pool, string p, string x, ref long[] shape, params OnnxAttribute[] extra)
        {
            shape = [shape[0], pool.OutputHeight(shape[1]), pool.OutputWidth(shape[2])];
            return Builder.Node(op, p, [x],
            [
                Ints("kernel_shape", pool.KernelH, pool.KernelW), Ints("strides", pool.StrideH, pool.StrideW),
                Ints("pads", pool.PadH, pool.PadW, pool.PadH, pool.PadW), .. extra,
            ]);
        }
    }
}
