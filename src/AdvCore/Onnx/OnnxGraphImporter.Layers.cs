using AdvCore.Nn;

namespace AdvCore.Onnx;

// The operators AdvCore's layers cover, each mapped onto a layer spec (or folded into the previous one).
internal sealed partial class OnnxGraphImporter
{
    /// <summary>The operators <see cref="Apply"/> maps (for the error on any other).</summary>
    internal const string Supported =
        "Conv, Gemm, MatMul (+ Add), Relu, LeakyRelu, Clip [0, t], MaxPool, AveragePool, GlobalAveragePool, " +
        "BatchNormalization, Add (bias or identity-shortcut residual), Flatten, Reshape (to [N, features]), Dropout, Identity, " +
        "Pad (zeros, before Conv or AveragePool)";

    /// <summary>Maps <paramref name="node"/> applied to <paramref name="x"/>, appends its layer and returns its output.</summary>
    private string Apply(OnnxNodeProto node, string x, List<ImportedLayer> layers)
    {
        var args = new OnnxNodeArgs(node, _path, _constants);
        if (!IsDefaultDomain(node)) throw args.Unsupported($"operator domain '{node.Domain}' is not supported (only the default ONNX domain)");
        if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0) throw args.Unsupported("the node has no output");
        bool dataFirst = node.Inputs.Count > 0 && node.Inputs[0] == x;
        if (!dataFirst && node.OpType != "Add")
            throw args.Unsupported($"the chain's tensor '{x}' must be the node's first input");
        if (_squeezed && node.OpType is not ("Flatten" or "Reshape" or "Identity" or "Dropout"))
            throw args.Unsupported("after GlobalAveragePool only Flatten or Reshape to [N, C] can follow");
        if (_pendingPad is not null && node.OpType is not ("Conv" or "AveragePool"))
            throw args.Unsupported("a zero Pad can only be followed by Conv or AveragePool (which take it as their padding)");
        args.OnlyFirstOutputUsed(IsUsed);

        ImportedLayer? layer = node.OpType switch
        {
            "Conv" => Conv(args),
            "Gemm" => Gemm(args),
            "MatMul" => MatMul(args),
            "Add" => AddBias(args, x, layers),
            "Relu" => new ImportedLayer(ActivationLayer.ReLU()),
            "LeakyRelu" => new ImportedLayer(ActivationLayer.LeakyReLU(args.Float("alpha", 0.01f))),
            "Clip" => Clip(args),
            "MaxPool" => Pool(args, max: true),
            "AveragePool" => Pool(args, max: false),
            "GlobalAveragePool" => GlobalAveragePool(args),
            "BatchNormalization" => BatchNorm(args),
            "Flatten" => Flatten(args),
            "Reshape" => Reshape(args),
            "Dropout" => Dropout(args),
            "Identity" => null,
            "Pad" => Pad(args),
            _ => throw args.Unsupported($"operator {node.OpType} is not supported; AdvCore imports {Supported}"),
        };
        if (layer is not null) layers.Add(layer);
        return node.Outputs[0];
    }

    private ImportedLayer Conv(OnnxNodeArgs a)
    {
        if (_shape.Length != 3) throw a.Unsupported($"Conv needs an [N, C, H, W] input, got [N, {string.Join(", ", _shape)}]");
        var w = a.Constant(1, "weights");
        var wf = a.Floats(1, "weights");
        if (w.Dims.Length != 4) throw a.Unsupported($"only 2-D convolutions are supported (weights [{string.Join(", ", w.Dims)}])");
        if (a.Int("group", 1) != 1) throw a.Unsupported($"grouped convolution (group = {a.Int("group", 1)}) is not supported");
        if (a.Ints("dilations", [1, 1]).Any(d => d != 1)) throw a.Unsupported("dilated convolution is not supported");
        long k = w.Dims[2];
        if (w.Dims[3] != k || a.Ints("kernel_shape", [k, k]) is var ks && (ks.Length != 2 || ks[0] != k || ks[1] != k))
            throw a.Unsupported($"only square kernels matching the weights are supported (weights [{string.Join(", ", w.Dims)}])");
        var strides = a.Ints("strides", [1, 1]);
        if (strides.Length != 2 || strides[0] != strides[1] || strides[0] is < 1 or > MaxSize)
            throw a.Unsupported($"strides [{string.Join(", ", strides)}]: only equal strides in both directions are supported");
        if (w.Dims[1] != _shape[0]) throw a.Unsupported($"weights expect {w.Dims[1]} input channels, the input has {_shape[0]}");
        int kernel = checked((int)k), stride = checked((int)strides[0]);
        var padding = a.String("auto_pad", "NOTSET") switch
        {
            "NOTSET" => ExplicitPadding(a, TakePendingPad()),
            "VALID" => Padding.Valid,
            "SAME_UPPER" => Padding.Same, // TensorFlow's rule: the odd pixel at the bottom/right, as ours
            var mode => throw a.Unsupported($"auto_pad {mode} is not supported (NOTSET with pads, VALID or SAME_UPPER)"),
        };
        if (_pendingPad is not null) throw a.Unsupported("a Pad before a Conv with auto_pad is not supported");
        bool bias = a.Has(2);
        var layer = new ImportedLayer(new Conv2dLayer(checked((int)w.Dims[0]), kernel, stride, padding, bias));
        layer.Tensors["weight"] = (w.Dims, wf);
        if (bias) layer.Tensors["bias"] = ([w.Dims[0]], Vector(a, 2, "bias", w.Dims[0]));
        var p = ConvPadding.Resolve(padding, (int)_shape[1], (int)_shape[2], kernel, kernel, stride, stride);
        long oh = Conv2dParams.OutputSize(_shape[1], kernel, stride, p.PadTop, p.PadBottom);
        long ow = Conv2dParams.OutputSize(_shape[2], kernel, stride, p.PadLeft, p.PadRight);
        if (oh < 1 || ow < 1) throw a.Unsupported($"the {kernel}x{kernel} kernel does not fit the {_shape[1]}x{_shape[2]} input");
        _shape = [w.Dims[0], oh, ow];
        return layer;
    }

    private static Padding ExplicitPadding(OnnxNodeArgs a, long[] extra)
    {
        var pads = a.Ints("pads", [0, 0, 0, 0]);
        if (pads.Length != 4 || pads.Any(v => v is < 0 or > MaxSize)) throw a.Unsupported($"pads [{string.Join(", ", pads)}] are not 4 values in [0, {MaxSize}]");
        // ONNX orders pads as [top, left, bottom, right]; a Pad node before adds its own.
        pads = pads.Zip(extra, (p, e) => p + e).ToArray();
        if (pads.All(v => v == 0)) return Padding.Valid;
        return Padding.Explicit((int)pads[0], (int)pads[2], (int)pads[1], (int)pads[3]);
    }

    /// <summary>The largest kernel, stride or padding accepted (bigger values in a file are corrupt, not models).</summary>
    private const long MaxSize = 1 << 16;

    /// <summary>Zero padding of a Pad node waiting for the Conv or AveragePool after it, ONNX order [top, left, bottom, right].</summary>
    private long[]? _pendingPad;

    private long[] TakePendingPad()
    {
        var pads = _pendingPad ?? [0, 0, 0, 0];
        _pendingPad = null;
        return pads;
    }

    /// <summary>Zero padding of H and W (PyTorch writes one before AveragePool): folded into the next layer's padding.</summary>
    private ImportedLayer? Pad(OnnxNodeArgs a)
    {
        if (a.String("mode", "constant") != "constant") throw a.Unsupported($"Pad mode '{a.String("mode", "")}' is not supported (only constant zeros)");
        long[] pads;
        float value;
        if (_opset < 11)
        {
            pads = a.Ints("pads", a.Ints("paddings", []));
            value = a.Float("value", 0f);
        }
        else
        {
            pads = a.Constant(1, "pads").Int64s ?? throw a.Unsupported("pads must be integers");
            value = a.OptionalScalar(2, "constant_value", 0f)!.Value;
            if (a.Has(3)) throw a.Unsupported("Pad with axes is not supported");
        }
        if (value != 0) throw a.Unsupported($"Pad with the value {value} is not supported (only zeros)");
        if (_shape.Length != 3 || pads.Length != 8)
            throw a.Unsupported($"only padding of an [N, C, H, W] tensor is supported (pads [{string.Join(", ", pads)}])");
        // pads: [N, C, H, W] begins then ends.
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads.Any(p => p is < 0 or > MaxSize))
            throw a.Unsupported($"pads [{string.Join(", ", pads)}]: only non-negative padding of H and W is supported");
        if (pads.All(p => p == 0)) return null;
        _pendingPad = [pads[2], pads[3], pads[6], pads[7]];
        return null;
    }

    /// <summary>Y = alpha·A·op(B) + beta·C with A the chain, B and C constant: a linear layer (alpha and beta folded in).</summary>
    private ImportedLayer Gemm(OnnxNodeArgs a)
    {
        if (a.Int("transA", 0) != 0) throw a.Unsupported("transA = 1 is not supported");
        var b = a.Constant(1, "B");
        var bf = a.Floats(1, "B");
        if (b.Dims.Length != 2) throw a.Unsupported($"B must be a matrix, got [{string.Join(", ", b.Dims)}]");
        bool transB = a.Int("transB", 0) != 0;
        long outF = transB ? b.Dims[0] : b.Dims[1], inF = transB ? b.Dims[1] : b.Dims[0];
        float alpha = a.Float("alpha", 1f), beta = a.Float("beta", 1f);
        var weight = transB ? (float[])bf.Clone() : Transpose(bf, inF, outF);
        for (int i = 0; i < weight.Length; i++) weight[i] *= alpha;
        var layer = Linear(a, inF, outF, weight);
        if (a.Has(2))
        {
            var c = Vector(a, 2, "C", outF);
            layer.Spec = new LinearLayer(checked((int)outF), Bias: true);
            layer.Tensors["bias"] = ([outF], c.Select(v => v * beta).ToArray());
        }
        return layer;
    }

    /// <summary>A·B with B a constant [in, out] matrix on a flat input: a linear layer without bias (an Add may follow).</summary>
    private ImportedLayer MatMul(OnnxNodeArgs a)
    {
        var b = a.Constant(1, "B");
        var bf = a.Floats(1, "B");
        if (b.Dims.Length != 2) throw a.Unsupported($"B must be a constant matrix, got [{string.Join(", ", b.Dims)}]");
        return Linear(a, b.Dims[0], b.Dims[1], Transpose(bf, b.Dims[0], b.Dims[1]));
    }

    private ImportedLayer Linear(OnnxNodeArgs a, long inF, long outF, float[] weight)
    {
        if (_shape.Length != 1)
            throw a.Unsupported($"needs an [N, features] input, got [N, {string.Join(", ", _shape)}] (flatten first)");
        if (_shape[0] != inF) throw a.Unsupported($"the weights take {inF} features, the input has {_shape[0]}");
        var layer = new ImportedLayer(new LinearLayer(checked((int)outF), Bias: false));
        layer.Tensors["weight"] = ([outF, inF], weight);
        _shape = [outF];
        return layer;
    }

    /// <summary>x + constant right after a linear layer or convolution: folded into its bias.</summary>
    private ImportedLayer? AddBias(OnnxNodeArgs a, string x, List<ImportedLayer> layers)
    {
        int other = a.Node.Inputs[0] == x ? 1 : 0;
        if (a.Node.Inputs.Count != 2 || !a.IsConstant(other))
            throw a.Unsupported("adds two computed tensors outside an identity-shortcut residual block (y = x + f(x))");
        var previous = layers.Count > 0 ? layers[^1] : null;
        var c = a.Constant(other, "bias");
        long channels = _shape[0];
        // The constant must broadcast along the channel (features) axis only: [K], [1, K] for
        // linear outputs, [K, 1, 1] or [1, K, 1, 1] for convolutions, or a scalar.
        var dims = c.Dims.SkipWhile(d => d == 1).ToArray();
        bool perChannel = c.ElementCount == 1
            || (_shape.Length == 1 && dims.SequenceEqual([channels]))
            || (_shape.Length == 3 && dims.Length == 3 && dims[0] == channels && dims[1] == 1 && dims[2] == 1);
        if (!perChannel || previous?.Spec is not (LinearLayer or Conv2dLayer))
            throw a.Unsupported($"only a per-channel bias right after Gemm, MatMul or Conv is supported (constant [{string.Join(", ", c.Dims)}] on [N, {string.Join(", ", _shape)}])");
        var values = c.Floats ?? throw a.Unsupported("the bias must hold floating-point values");
        var bias = previous.Tensors.TryGetValue("bias", out var old) ? (float[])old.Data.Clone() : new float[channels];
        for (int i = 0; i < bias.Length; i++) bias[i] += values.Length == 1 ? values[0] : values[i];
        previous.Tensors["bias"] = ([channels], bias);
        previous.Spec = previous.Spec switch
        {
            LinearLayer l => l with { Bias = true },
            Conv2dLayer conv => conv with { Bias = true },
            var s => s,
        };
        return null;
    }

    /// <summary>Clip to [0, t] is a bounded ReLU (t = ∞ a ReLU); bounds are attributes before opset 11, inputs since.</summary>
    private ImportedLayer Clip(OnnxNodeArgs a)
    {
        float? min, max;
        if (_opset < 11)
        {
            min = a.Attribute("min")?.F;
            max = a.Attribute("max")?.F;
        }
        else
        {
            min = a.OptionalScalar(1, "min", null);
            max = a.OptionalScalar(2, "max", null);
        }
        if (min != 0f)
            throw a.Unsupported($"Clip to [{min?.ToString() ?? "-inf"}, {max?.ToString() ?? "inf"}]: only [0, t] (bounded ReLU) and [0, inf) (ReLU) are supported");
        if (max is null || float.IsPositiveInfinity(max.Value) || max.Value >= float.MaxValue) return new ImportedLayer(ActivationLayer.ReLU());
        if (!(max > 0)) throw a.Unsupported($"Clip to [0, {max}]: the upper bound must be positive");
        return new ImportedLayer(ActivationLayer.BoundedReLU(max.Value));
    }

    private ImportedLayer Pool(OnnxNodeArgs a, bool max)
    {
        if (_shape.Length != 3) throw a.Unsupported($"pooling needs an [N, C, H, W] input, got [N, {string.Join(", ", _shape)}]");
        var kernel = a.Ints("kernel_shape", []);
        var strides = a.Ints("strides", [1, 1]);
        var pads = a.Ints("pads", [0, 0, 0, 0]);
        // Zeros from a Pad node before are data to the pool, counted whatever count_include_pad says.
        if (!max && pads.Any(p => p != 0) && a.Int("count_include_pad", 0) == 0)
            throw a.Unsupported("AveragePool that leaves padding out of the count (count_include_pad = 0) is not supported; ours counts padded zeros");
        if (!max && pads.Length == 4) pads = pads.Zip(TakePendingPad(), (p, e) => p + e).ToArray();
        if (kernel.Length != 2 || kernel[0] != kernel[1] || kernel[0] is < 1 or > MaxSize) throw a.Unsupported($"kernel_shape [{string.Join(", ", kernel)}]: only square 2-D windows are supported");
        if (strides.Length != 2 || strides[0] != strides[1] || strides[0] is < 1 or > MaxSize) throw a.Unsupported($"strides [{string.Join(", ", strides)}]: only equal strides are supported");
        if (pads.Length != 4 || pads.Any(p => p != pads[0]) || pads[0] is < 0 or > MaxSize) throw a.Unsupported($"pads [{string.Join(", ", pads)}]: only the same padding on every side is supported");
        if (a.Ints("dilations", [1, 1]).Any(d => d != 1)) throw a.Unsupported("dilated pooling is not supported");
        string autoPad = a.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID"))
            throw a.Unsupported($"auto_pad {autoPad} is not supported (NOTSET with pads or VALID)");
        int k = checked((int)kernel[0]), s = checked((int)strides[0]), p = checked((int)pads[0]);
        if (2 * p > k) throw a.Unsupported($"padding {p} is more than half the {k}x{k} window");
        var pool = PoolParams.Square(k, s, p);
        long oh = pool.OutputHeight(_shape[1]), ow = pool.OutputWidth(_shape[2]);
        if (oh < 1 || ow < 1) throw a.Unsupported($"the {k}x{k} window does not fit the {_shape[1]}x{_shape[2]} input");
        if (a.Int("ceil_mode", 0) != 0 && (CeilSize(_shape[1], k, s, p) != oh || CeilSize(_shape[2], k, s, p) != ow))
            throw a.Unsupported("ceil_mode = 1 changes the output size here; only floor mode is supported");
        _shape = [_shape[0], oh, ow];
        return new ImportedLayer(max ? new MaxPoolLayer(k, s, p) : new AvgPoolLayer(k, s, p));
    }

    // ONNX ceil mode: a last window must start inside the input or its left padding.
    private static long CeilSize(long input, int k, int s, int p)
    {
        long size = (input + 2L * p - k + s - 1) / s + 1;
        return (size - 1) * s >= input + p ? size - 1 : size;
    }

    private ImportedLayer GlobalAveragePool(OnnxNodeArgs a)
    {
        if (_shape.Length != 3) throw a.Unsupported($"needs an [N, C, H, W] input, got [N, {string.Join(", ", _shape)}]");
        _shape = [_shape[0]];
        _squeezed = true;
        return new ImportedLayer(new GlobalAvgPoolLayer());
    }

    private ImportedLayer BatchNorm(OnnxNodeArgs a)
    {
        if (a.Int("training_mode", 0) != 0) throw a.Unsupported("training_mode = 1 is not supported (export the model in eval mode)");
        if (_opset < 9 && a.Int("spatial", 1) != 1) throw a.Unsupported("spatial = 0 is not supported");
        if (_shape.Length is not (1 or 3)) throw a.Unsupported($"needs [N, C] or [N, C, H, W], got [N, {string.Join(", ", _shape)}]");
        long c = _shape[0];
        // ONNX's momentum weighs the running value, PyTorch's (ours) the batch value.
        var layer = new ImportedLayer(new BatchNormLayer((float)Math.Round(1.0 - a.Float("momentum", 0.9f), 6), a.Float("epsilon", 1e-5f)));
        layer.Tensors["weight"] = ([c], Vector(a, 1, "scale", c));
        layer.Tensors["bias"] = ([c], Vector(a, 2, "B", c));
        layer.Tensors["running_mean"] = ([c], Vector(a, 3, "mean", c));
        layer.Tensors["running_var"] = ([c], Vector(a, 4, "var", c));
        return layer;
    }

    private ImportedLayer? Flatten(OnnxNodeArgs a)
    {
        long rank = _squeezed ? 4 : _shape.Length + 1;
        long axis = a.Int("axis", 1);
        if (axis < 0) axis += rank;
        if (axis != 1) throw a.Unsupported($"Flatten with axis {a.Int("axis", 1)}: only flattening each sample (axis 1) is supported");
        return ToFlat();
    }

    private ImportedLayer? ToFlat()
    {
        bool alreadyFlat = _squeezed || _shape.Length == 1;
        _squeezed = false;
        if (alreadyFlat) return null;
        _shape = [_shape.Aggregate(1L, (p, d) => p * d)];
        return new ImportedLayer(new FlattenLayer());
    }

    /// <summary>Reshape to the same shape (dropped) or to [N, features] (a flatten); the target may be computed from Shape.</summary>
    private ImportedLayer? Reshape(OnnxNodeArgs a)
    {
        var target = ShapeValue(a, 1);
        long[] onnxShape = _squeezed ? [_shape[0], 1, 1] : _shape;
        long features = onnxShape.Aggregate(1L, (p, d) => p * d);
        if (target.Length == 0) throw a.Unsupported("Reshape to a scalar is not supported");
        if (a.Int("allowzero", 0) != 0 && target.Contains(0)) throw a.Unsupported("allowzero = 1 with a zero in the target shape is not supported");
        // The first entry is the batch: kept (0), inferred (-1), taken from Shape (Batch) or fixed (an exported batch size).
        bool batchInferred = target[0] == -1;
        var rest = new long[target.Length - 1];
        int inferred = -1;
        for (int i = 1; i < target.Length; i++)
        {
            long t = target[i];
            if (t == 0 && i - 1 < onnxShape.Length) rest[i - 1] = onnxShape[i - 1];
            else if (t == -1 && inferred < 0 && !batchInferred) inferred = i - 1;
            else if (t > 0) rest[i - 1] = t;
            else throw a.Unsupported($"Reshape target [{string.Join(", ", target.Select(ShapeText))}] cannot be resolved per sample");
        }
        long known = rest.Where((_, i) => i != inferred).Aggregate(1L, (p, d) => p * d);
        if (inferred >= 0)
        {
            if (known == 0 || features % known != 0) throw a.Unsupported($"Reshape target [{string.Join(", ", target.Select(ShapeText))}] does not divide {features} features");
            rest[inferred] = features / known;
        }
        if (rest.Aggregate(1L, (p, d) => p * d) != features)
            throw a.Unsupported($"Reshape target [{string.Join(", ", target.Select(ShapeText))}] does not hold the {features} features of [N, {string.Join(", ", onnxShape)}]");
        if (rest.SequenceEqual(onnxShape)) return null;
        if (rest.Length == 1) return ToFlat();
        throw a.Unsupported($"Reshape to [N, {string.Join(", ", rest)}]: only flattening to [N, features] is supported");
    }

    private static string ShapeText(long v) => v == Batch ? "N" : v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private ImportedLayer Dropout(OnnxNodeArgs a)
    {
        float ratio = _opset < 12 ? a.Float("ratio", 0.5f) : a.OptionalScalar(1, "ratio", 0.5f)!.Value;
        if (a.Has(2))
        {
            var mode = a.Constant(2, "training_mode");
            if ((mode.Int64s ?? []).Any(v => v != 0) || (mode.Floats ?? []).Any(v => v != 0))
                throw a.Unsupported("training_mode = true is not supported (export the model in eval mode)");
        }
        if (!(ratio >= 0 && ratio < 1)) throw a.Unsupported($"ratio {ratio} is not in [0, 1)");
        return new ImportedLayer(new DropoutLayer(ratio));
    }

    /// <summary>A constant float vector input of <paramref name="length"/> values (any leading or trailing 1-sized dims).</summary>
    private static float[] Vector(OnnxNodeArgs a, int index, string what, long length)
    {
        var t = a.Constant(index, what);
        var values = a.Floats(index, what);
        if (values.Length != length || t.Dims.Count(d => d != 1) > 1)
            throw a.Unsupported($"input {index} ({what}) has shape [{string.Join(", ", t.Dims)}], expected {length} values");
        return values;
    }

    private static float[] Transpose(float[] m, long rows, long cols)
    {
        var t = new float[m.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                t[c * rows + r] = m[r * cols + c];
        return t;
    }
}
