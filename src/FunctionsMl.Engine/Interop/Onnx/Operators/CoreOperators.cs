using FunctionsMl.Engine.Interop.Onnx.Kernels;
using Onnx;

namespace FunctionsMl.Engine.Interop.Onnx.Operators;

/// <summary>The core (ai.onnx) operators that classical-ML exports put around the ML operators.</summary>
internal static class CoreOperators
{
    private static readonly OnnxElementType[] Reals = [OnnxElementType.Float, OnnxElementType.Double];
    private static readonly OnnxElementType[] Numbers = [OnnxElementType.Float, OnnxElementType.Double, OnnxElementType.Int64];

    public static OnnxKernel? Constant(NodeContext context)
    {
        context.ExpectInputs(0, 0);
        var a = context.Attributes;
        TensorData data;
        if (a.Tensor("value") is { } tensor)
        {
            data = tensor;
        }
        else if (a.Has("value_float"))
        {
            data = new TensorData(OnnxElementType.Float, [], new[] { a.Float("value_float", 0) }, 1);
        }
        else if (a.Floats("value_floats") is { } floats)
        {
            data = new TensorData(OnnxElementType.Float, [floats.Length], floats, 1);
        }
        else if (a.Has("value_int"))
        {
            data = new TensorData(OnnxElementType.Int64, [], new[] { a.Int("value_int", 0) }, 7);
        }
        else if (a.Ints("value_ints") is { } ints)
        {
            data = new TensorData(OnnxElementType.Int64, [ints.Length], ints, 7);
        }
        else if (a.Has("value_string"))
        {
            data = new TensorData(OnnxElementType.String, [], new[] { a.String("value_string", string.Empty) }, 8);
        }
        else if (a.Strings("value_strings") is { } strings)
        {
            data = new TensorData(OnnxElementType.String, [strings.Length], strings, 8);
        }
        else
        {
            throw context.Error("needs one of value, value_float(s), value_int(s), value_string(s) (sparse values are not supported).");
        }

        context.Output(0, data.Type, new TensorShape([.. data.Dims.Select(Dim.Fixed)]), data.Data);
        return null;
    }

    public static OnnxKernel Identity(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.Input(0);
        return Copy(input, context.Output(0, input.Type, input.Shape)!);
    }

    public static OnnxKernel Cast(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.Input(0);
        var to = (int)context.Attributes.Int("to", 0);
        context.Attributes.Ignore("saturate"); // Only affects float8 targets, which are refused.
        if (!OnnxElementTypes.TryFrom(to, out var target))
        {
            throw context.Error($"casting to {OnnxElementTypes.Name(to)} is not supported.");
        }

        if ((target == OnnxElementType.String) != (input.Type == OnnxElementType.String))
        {
            if (target != OnnxElementType.String || input.Type != OnnxElementType.Int64)
            {
                throw context.Error($"casting {input.Type} to {OnnxElementTypes.Name(to)} is not supported (number–string casts other than integer to string).");
            }
        }

        var output = context.Output(0, target, input.Shape)!;
        if (target == input.Type && target != OnnxElementType.Int64)
        {
            return Copy(input, output);
        }

        if (target == OnnxElementType.String)
        {
            return new LabelTextKernel(input, output);
        }

        return new CastKernel(input, output, (TensorProto.Types.DataType)to);
    }

    public static OnnxKernel Reshape(NodeContext context)
    {
        context.ExpectInputs(context.Opset < 5 ? 1 : 2, context.Opset < 5 ? 1 : 2);
        var input = context.Input(0);
        var target = context.Opset < 5 ? context.Attributes.Ints("shape") ?? throw context.Error("attribute 'shape' is required.") : context.ConstantInput(1, "shape").AsLongs();
        var allowZero = context.Attributes.IntIn("allowzero", 0, 0, 1) == 1;
        var dims = new Dim?[target.Length];
        var inferred = -1;
        for (var i = 0; i < target.Length; i++)
        {
            switch (target[i])
            {
                case 0 when !allowZero:
                    dims[i] = i < input.Shape.Rank ? input.Shape[i] : throw context.Error($"shape[{i}] = 0 copies a dimension the input does not have.");
                    break;
                case -1:
                    inferred = inferred < 0 ? i : throw context.Error("the shape has more than one -1.");
                    break;
                case < 0:
                    throw context.Error($"shape[{i}] = {target[i]} is not a size.");
                default:
                    dims[i] = Dim.Fixed(target[i]);
                    break;
            }
        }

        var known = dims.Where(d => d is not null).Select(d => d!.Value).ToArray();
        var knownCount = known.Aggregate(1L, (p, d) => p * d.Size);
        var knownPerRow = known.Any(d => d.PerRow);
        if (inferred >= 0)
        {
            if (knownCount == 0 || input.Shape.FixedCount % knownCount != 0 || (knownPerRow && !input.Shape.PerRow))
            {
                throw context.Error($"cannot reshape {input.Shape} to [{string.Join(", ", target)}].");
            }

            dims[inferred] = new Dim(input.Shape.FixedCount / knownCount, input.Shape.PerRow && !knownPerRow);
        }
        else if (knownCount != input.Shape.FixedCount || knownPerRow != input.Shape.PerRow)
        {
            throw context.Error($"reshaping {input.Shape} to [{string.Join(", ", target)}] fits one batch size only; use -1 or 0 for the row dimension.");
        }

        return Copy(input, context.Output(0, input.Type, new TensorShape([.. dims.Select(d => d!.Value)]))!);
    }

    public static OnnxKernel Flatten(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.Input(0);
        var axis = (int)context.Attributes.Int("axis", 1);
        axis = axis < 0 ? axis + input.Shape.Rank : axis;
        if (axis < 0 || axis > input.Shape.Rank)
        {
            throw context.Error($"axis = {axis} is out of range for rank {input.Shape.Rank}.");
        }

        var shape = new TensorShape(Product(input.Shape.Dims[..axis]), Product(input.Shape.Dims[axis..]));
        return Copy(input, context.Output(0, input.Type, shape)!);
    }

    public static OnnxKernel Squeeze(NodeContext context)
    {
        var input = context.Input(0);
        var axes = Axes(context, 1, input.Shape.Rank);
        var dims = new List<Dim>();
        for (var d = 0; d < input.Shape.Rank; d++)
        {
            var squeeze = axes is null ? input.Shape[d].IsOne : axes.Contains(d);
            if (squeeze && !input.Shape[d].IsOne)
            {
                throw context.Error($"axis {d} has size {input.Shape[d]}, not 1.");
            }

            if (!squeeze)
            {
                dims.Add(input.Shape[d]);
            }
        }

        return Copy(input, context.Output(0, input.Type, new TensorShape([.. dims]))!);
    }

    public static OnnxKernel Unsqueeze(NodeContext context)
    {
        var input = context.Input(0);
        var rank = input.Shape.Rank + (context.Opset < 13 ? context.Attributes.Ints("axes")?.Length ?? 0 : (int)(context.OptionalInput(1)?.Shape.FixedCount ?? 0));
        var axes = Axes(context, 1, rank) ?? throw context.Error("axes are required.");
        var dims = new List<Dim>();
        var source = 0;
        for (var d = 0; d < rank; d++)
        {
            dims.Add(axes.Contains(d) ? Dim.Fixed(1) : input.Shape[source++]);
        }

        return Copy(input, context.Output(0, input.Type, new TensorShape([.. dims]))!);
    }

    public static OnnxKernel Concat(NodeContext context)
    {
        var inputs = Enumerable.Range(0, context.InputCount).Select(context.Input).ToArray();
        if (inputs.Length == 0 || inputs.Any(i => i.Type != inputs[0].Type || i.Shape.Rank != inputs[0].Shape.Rank))
        {
            throw context.Error("inputs must share a type and a rank.");
        }

        var rank = inputs[0].Shape.Rank;
        var axis = inputs[0].Shape.NormalizeAxis((int)context.Attributes.Int("axis", context.Opset < 4 ? 1 : int.MinValue), "axis");
        var dims = inputs[0].Shape.Dims.ToArray();
        for (var d = 0; d < rank; d++)
        {
            if (d == axis)
            {
                var perRow = inputs.Select(i => i.Shape[d].PerRow).Distinct().ToArray();
                if (perRow.Length > 1)
                {
                    throw context.Error("concatenating a row dimension with a fixed one is not supported.");
                }

                dims[d] = new Dim(inputs.Sum(i => i.Shape[d].Size), perRow[0]);
            }
            else if (inputs.Any(i => i.Shape[d] != dims[d]))
            {
                throw context.Error($"inputs differ in dimension {d}: {string.Join(", ", inputs.Select(i => i.Shape.ToString()))}.");
            }
        }

        var output = context.Output(0, inputs[0].Type, new TensorShape(dims))!;
        return Typed(inputs[0].Type, new ConcatKernel<float>(inputs, output, axis), new ConcatKernel<double>(inputs, output, axis),
            new ConcatKernel<long>(inputs, output, axis), new ConcatKernel<bool>(inputs, output, axis), new ConcatKernel<string>(inputs, output, axis));
    }

    public static OnnxKernel Transpose(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.Input(0);
        var rank = input.Shape.Rank;
        var perm = context.Attributes.Ints("perm")?.Select(p => (int)p).ToArray() ?? [.. Enumerable.Range(0, rank).Reverse()];
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
        {
            throw context.Error($"perm [{string.Join(", ", perm)}] is not a permutation of {rank} axes.");
        }

        var output = context.Output(0, input.Type, new TensorShape([.. perm.Select(p => input.Shape[p])]))!;
        return Typed(input.Type, new TransposeKernel<float>(input, output, perm), new TransposeKernel<double>(input, output, perm),
            new TransposeKernel<long>(input, output, perm), new TransposeKernel<bool>(input, output, perm), new TransposeKernel<string>(input, output, perm));
    }

    public static OnnxKernel Gather(NodeContext context)
    {
        context.ExpectInputs(2, 2);
        var data = context.Input(0);
        var indices = context.InputOfType(1, OnnxElementType.Int64);
        var axis = data.Shape.NormalizeAxis((int)context.Attributes.Int("axis", 0), "axis");
        if (data.Shape[axis].PerRow || (indices.Shape.PerRow && data.Shape.PerRow))
        {
            throw context.Error("gathering along the row dimension, or with per-row indices from per-row data, is not supported.");
        }

        var shape = new TensorShape([.. data.Shape.Dims[..axis], .. indices.Shape.Dims, .. data.Shape.Dims[(axis + 1)..]]);
        var output = context.Output(0, data.Type, shape)!;
        return Typed(data.Type, new GatherKernel<float>(data, indices, output, axis), new GatherKernel<double>(data, indices, output, axis),
            new GatherKernel<long>(data, indices, output, axis), new GatherKernel<bool>(data, indices, output, axis), new GatherKernel<string>(data, indices, output, axis));
    }

    public static OnnxOperator Unary(string name, bool realOnly) => context =>
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, realOnly ? Reals : Numbers);
        var output = context.Output(0, input.Type, input.Shape)!;
        return (name, input.Type) switch
        {
            ("Exp", OnnxElementType.Float) => new UnaryKernel<float, ExpOp<float>>(input, output),
            ("Exp", _) => new UnaryKernel<double, ExpOp<double>>(input, output),
            ("Log", OnnxElementType.Float) => new UnaryKernel<float, LogOp<float>>(input, output),
            ("Log", _) => new UnaryKernel<double, LogOp<double>>(input, output),
            ("Sqrt", OnnxElementType.Float) => new UnaryKernel<float, SqrtOp<float>>(input, output),
            ("Sqrt", _) => new UnaryKernel<double, SqrtOp<double>>(input, output),
            ("Tanh", OnnxElementType.Float) => new UnaryKernel<float, TanhOp<float>>(input, output),
            ("Tanh", _) => new UnaryKernel<double, TanhOp<double>>(input, output),
            ("Sigmoid", OnnxElementType.Float) => new UnaryKernel<float, SigmoidOp<float>>(input, output),
            ("Sigmoid", _) => new UnaryKernel<double, SigmoidOp<double>>(input, output),
            ("Reciprocal", OnnxElementType.Float) => new UnaryKernel<float, ReciprocalOp<float>>(input, output),
            ("Reciprocal", _) => new UnaryKernel<double, ReciprocalOp<double>>(input, output),
            ("Floor", OnnxElementType.Float) => new UnaryKernel<float, FloorOp<float>>(input, output),
            ("Floor", _) => new UnaryKernel<double, FloorOp<double>>(input, output),
            ("Ceil", OnnxElementType.Float) => new UnaryKernel<float, CeilOp<float>>(input, output),
            ("Ceil", _) => new UnaryKernel<double, CeilOp<double>>(input, output),
            ("Abs", OnnxElementType.Float) => new UnaryKernel<float, AbsOp<float>>(input, output),
            ("Abs", OnnxElementType.Double) => new UnaryKernel<double, AbsOp<double>>(input, output),
            ("Abs", _) => new UnaryKernel<long, AbsOp<long>>(input, output),
            ("Neg", OnnxElementType.Float) => new UnaryKernel<float, NegOp<float>>(input, output),
            ("Neg", OnnxElementType.Double) => new UnaryKernel<double, NegOp<double>>(input, output),
            ("Neg", _) => new UnaryKernel<long, NegOp<long>>(input, output),
            ("Relu", OnnxElementType.Float) => new UnaryKernel<float, ReluOp<float>>(input, output),
            ("Relu", OnnxElementType.Double) => new UnaryKernel<double, ReluOp<double>>(input, output),
            ("Relu", _) => new UnaryKernel<long, ReluOp<long>>(input, output),
            _ => throw context.Error($"{name} is not supported for {input.Type}."),
        };
    };

    public static OnnxKernel Not(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, OnnxElementType.Bool);
        return new UnaryKernel<bool, NotOp>(input, context.Output(0, OnnxElementType.Bool, input.Shape)!);
    }

    public static OnnxKernel IsNaN(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Reals);
        var output = context.Output(0, OnnxElementType.Bool, input.Shape)!;
        return input.Type == OnnxElementType.Float ? new IsNaNKernel<float>(input, output) : new IsNaNKernel<double>(input, output);
    }

    public static OnnxOperator Binary(string name) => context =>
    {
        context.ExpectInputs(2, 2);
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != b.Type)
        {
            throw context.Error($"inputs are {a.Type} and {b.Type}; they must have the same type.");
        }

        var broadcast = Broadcast.Create(context, a.Shape, b.Shape);
        var logical = name is "And" or "Or" or "Xor";
        var comparison = name is "Greater" or "Less" or "GreaterOrEqual" or "LessOrEqual" or "Equal";
        if (logical ? a.Type != OnnxElementType.Bool : !(a.Type.IsNumeric() || (name == "Equal" && a.Type is OnnxElementType.String or OnnxElementType.Bool)))
        {
            throw context.Error($"{name} is not supported for {a.Type}.");
        }

        if (name == "Pow" && !a.Type.IsReal())
        {
            throw context.Error("Pow is supported for float and double only.");
        }

        var output = context.Output(0, comparison || logical ? OnnxElementType.Bool : a.Type, broadcast.OutputShape)!;
        return (name, a.Type) switch
        {
            ("And", _) => new BinaryKernel<bool, bool, AndOp>(a, b, output, broadcast),
            ("Or", _) => new BinaryKernel<bool, bool, OrOp>(a, b, output, broadcast),
            ("Xor", _) => new BinaryKernel<bool, bool, XorOp>(a, b, output, broadcast),
            ("Equal", OnnxElementType.String) => new BinaryKernel<string, bool, EqualOp<string>>(a, b, output, broadcast),
            ("Equal", OnnxElementType.Bool) => new BinaryKernel<bool, bool, EqualOp<bool>>(a, b, output, broadcast),
            ("Pow", OnnxElementType.Float) => new BinaryKernel<float, float, PowOp<float>>(a, b, output, broadcast),
            ("Pow", _) => new BinaryKernel<double, double, PowOp<double>>(a, b, output, broadcast),
            (_, OnnxElementType.Float) => Numeric<float>(name, a, b, output, broadcast),
            (_, OnnxElementType.Double) => Numeric<double>(name, a, b, output, broadcast),
            _ => Numeric<long>(name, a, b, output, broadcast),
        };
    };

    public static OnnxKernel Where(NodeContext context)
    {
        context.ExpectInputs(3, 3);
        var condition = context.InputOfType(0, OnnxElementType.Bool);
        var a = context.Input(1);
        var b = context.Input(2);
        if (a.Type != b.Type)
        {
            throw context.Error($"inputs are {a.Type} and {b.Type}; they must have the same type.");
        }

        var broadcast = Broadcast.Create(context, condition.Shape, a.Shape, b.Shape);
        var output = context.Output(0, a.Type, broadcast.OutputShape)!;
        return Typed(a.Type, new WhereKernel<float>(condition, a, b, output, broadcast), new WhereKernel<double>(condition, a, b, output, broadcast),
            new WhereKernel<long>(condition, a, b, output, broadcast), new WhereKernel<bool>(condition, a, b, output, broadcast), new WhereKernel<string>(condition, a, b, output, broadcast));
    }

    public static OnnxKernel Clip(NodeContext context)
    {
        context.ExpectInputs(1, context.Opset < 11 ? 1 : 3);
        var input = context.InputOfType(0, Numbers);
        var output = context.Output(0, input.Type, input.Shape)!;
        var min = context.Opset < 11 ? null : context.OptionalInput(1);
        var max = context.Opset < 11 ? null : context.OptionalInput(2);
        foreach (var bound in new[] { min, max })
        {
            if (bound is not null && (bound.Type != input.Type || bound.Shape.FixedCount != 1 || bound.Shape.PerRow))
            {
                throw context.Error($"bound '{bound.Name}' must be a scalar of the input's type.");
            }
        }

        var low = context.Attributes.Float("min", float.MinValue);
        var high = context.Attributes.Float("max", float.MaxValue);
        return input.Type switch
        {
            OnnxElementType.Float => new ClipKernel<float>(input, output, min, max, context.Opset < 11 ? low : float.NegativeInfinity, context.Opset < 11 ? high : float.PositiveInfinity),
            OnnxElementType.Double => new ClipKernel<double>(input, output, min, max, context.Opset < 11 ? low : double.NegativeInfinity, context.Opset < 11 ? high : double.PositiveInfinity),
            _ => new ClipKernel<long>(input, output, min, max, long.MinValue, long.MaxValue),
        };
    }

    public static OnnxKernel MatMul(NodeContext context)
    {
        context.ExpectInputs(2, 2);
        var a = context.InputOfType(0, Reals);
        var b = context.InputOfType(1, a.Type);
        if (a.Shape.Rank is < 1 or > 2 || b.Shape.Rank is < 1 or > 2 || b.Shape.PerRow)
        {
            throw context.Error($"MatMul of {a.Shape} by {b.Shape} is not supported (1-D or 2-D operands, the right one fixed).");
        }

        var k = a.Shape[a.Shape.Rank - 1];
        var kb = b.Shape[0];
        if (k != kb)
        {
            throw context.Error($"cannot multiply {a.Shape} by {b.Shape}.");
        }

        var m = a.Shape.Rank == 2 ? a.Shape[0] : Dim.Fixed(1);
        var n = b.Shape.Rank == 2 ? (int)b.Shape[1].Size : 1;
        var dims = new List<Dim>();
        if (a.Shape.Rank == 2)
        {
            dims.Add(m);
        }

        if (b.Shape.Rank == 2)
        {
            dims.Add(Dim.Fixed(n));
        }

        var output = context.Output(0, a.Type, new TensorShape([.. dims]))!;
        return a.Type == OnnxElementType.Float
            ? new GemmKernel<float>(a, b, null, output, false, false, 1, 0, m, n, (int)k.Size, null)
            : new GemmKernel<double>(a, b, null, output, false, false, 1, 0, m, n, (int)k.Size, null);
    }

    public static OnnxKernel Gemm(NodeContext context)
    {
        context.ExpectInputs(2, 3);
        var a = context.InputOfType(0, Reals);
        var b = context.InputOfType(1, a.Type);
        var c = context.OptionalInput(2);
        var alpha = context.Attributes.Float("alpha", 1f);
        var beta = context.Attributes.Float("beta", 1f);
        var transA = context.Attributes.Int("transA", 0) != 0;
        var transB = context.Attributes.Int("transB", 0) != 0;
        context.Attributes.Ignore("broadcast"); // Opset < 7 flag; broadcasting C is always done here.
        if (a.Shape.Rank != 2 || b.Shape.Rank != 2 || b.Shape.PerRow || (transA && a.Shape.PerRow))
        {
            throw context.Error($"Gemm of {a.Shape} by {b.Shape} is not supported (2-D operands, B fixed, A not transposed when it has the rows).");
        }

        var m = transA ? a.Shape[1] : a.Shape[0];
        var k = transA ? a.Shape[0] : a.Shape[1];
        var kb = transB ? b.Shape[1] : b.Shape[0];
        var n = (int)(transB ? b.Shape[0] : b.Shape[1]).Size;
        if (k != kb)
        {
            throw context.Error($"cannot multiply {a.Shape} by {b.Shape} (transA={transA}, transB={transB}).");
        }

        var shape = new TensorShape(m, Dim.Fixed(n));
        Broadcast? cBroadcast = null;
        if (c is not null)
        {
            if (c.Type != a.Type)
            {
                throw context.Error($"C is {c.Type}, A is {a.Type}.");
            }

            cBroadcast = Broadcast.Create(context, shape, c.Shape);
            if (!cBroadcast.OutputShape.SameAs(shape))
            {
                throw context.Error($"C {c.Shape} does not broadcast to {shape}.");
            }
        }

        var output = context.Output(0, a.Type, shape)!;
        return a.Type == OnnxElementType.Float
            ? new GemmKernel<float>(a, b, c, output, transA, transB, alpha, beta, m, n, (int)k.Size, cBroadcast)
            : new GemmKernel<double>(a, b, c, output, transA, transB, alpha, beta, m, n, (int)k.Size, cBroadcast);
    }

    public static OnnxOperator Softmax(bool log) => context =>
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Reals);
        var flatten = context.Opset < 13;
        var axis = input.Shape.NormalizeAxis((int)context.Attributes.Int("axis", flatten ? 1 : -1), "axis");
        var output = context.Output(0, input.Type, input.Shape)!;
        return input.Type == OnnxElementType.Float
            ? new SoftmaxKernel<float>(input, output, axis, flatten, log)
            : new SoftmaxKernel<double>(input, output, axis, flatten, log);
    };

    public static OnnxOperator ArgExtreme(bool max) => context =>
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numbers);
        var axis = input.Shape.NormalizeAxis((int)context.Attributes.Int("axis", 0), "axis");
        var keep = context.Attributes.Int("keepdims", 1) != 0;
        var last = context.Attributes.Int("select_last_index", 0) != 0;
        var dims = input.Shape.Dims.Select((d, i) => i == axis ? Dim.Fixed(1) : d).Where((d, i) => keep || i != axis).ToArray();
        var output = context.Output(0, OnnxElementType.Int64, new TensorShape(dims))!;
        return input.Type switch
        {
            OnnxElementType.Float => new ArgKernel<float>(input, output, axis, max, last),
            OnnxElementType.Double => new ArgKernel<double>(input, output, axis, max, last),
            _ => new ArgKernel<long>(input, output, axis, max, last),
        };
    };

    /// <summary>Reduce*: axes from the attribute (older opsets) or the second input (ReduceSum ≥ 13, the others ≥ 18).</summary>
    public static OnnxOperator Reduce(ReduceKind kind, int axesInputSince) => context =>
    {
        var input = context.InputOfType(0, Numbers);
        var rank = input.Shape.Rank;
        var axes = context.Opset < axesInputSince ? Normalize(context, context.Attributes.Ints("axes"), rank) : Axes(context, 1, rank);
        var keep = context.Attributes.Int("keepdims", 1) != 0;
        var noopWhenEmpty = context.Attributes.Int("noop_with_empty_axes", 0) != 0;
        var reduced = new bool[rank];
        for (var d = 0; d < rank; d++)
        {
            reduced[d] = axes is null || axes.Length == 0 ? !noopWhenEmpty : axes.Contains(d);
        }

        if (reduced.Where((r, d) => r && input.Shape[d].PerRow).Any() && input.Shape.PerRow)
        {
            throw context.Error("reducing over the row dimension is not supported: each row must be predicted on its own.");
        }

        var dims = input.Shape.Dims.Select((d, i) => reduced[i] ? Dim.Fixed(1) : d).Where((d, i) => keep || !reduced[i]).ToArray();
        var output = context.Output(0, input.Type, new TensorShape(dims))!;
        return input.Type switch
        {
            OnnxElementType.Float => new ReduceKernel<float>(input, output, reduced, kind),
            OnnxElementType.Double => new ReduceKernel<double>(input, output, reduced, kind),
            _ => new ReduceKernel<long>(input, output, reduced, kind),
        };
    };

    private static OnnxKernel Numeric<T>(string name, OnnxValue a, OnnxValue b, OnnxValue output, Broadcast broadcast)
        where T : System.Numerics.INumber<T> => name switch
        {
            "Add" => new BinaryKernel<T, T, AddOp<T>>(a, b, output, broadcast),
            "Sub" => new BinaryKernel<T, T, SubOp<T>>(a, b, output, broadcast),
            "Mul" => new BinaryKernel<T, T, MulOp<T>>(a, b, output, broadcast),
            "Div" => new BinaryKernel<T, T, DivOp<T>>(a, b, output, broadcast),
            "Greater" => new BinaryKernel<T, bool, GreaterOp<T>>(a, b, output, broadcast),
            "Less" => new BinaryKernel<T, bool, LessOp<T>>(a, b, output, broadcast),
            "GreaterOrEqual" => new BinaryKernel<T, bool, GreaterOrEqualOp<T>>(a, b, output, broadcast),
            "LessOrEqual" => new BinaryKernel<T, bool, LessOrEqualOp<T>>(a, b, output, broadcast),
            _ => new BinaryKernel<T, bool, EqualOp<T>>(a, b, output, broadcast),
        };

    private static OnnxKernel Copy(OnnxValue input, OnnxValue output) =>
        Typed(input.Type, new CopyKernel<float>(input, output), new CopyKernel<double>(input, output), new CopyKernel<long>(input, output), new CopyKernel<bool>(input, output), new CopyKernel<string>(input, output));

    private static OnnxKernel Typed(OnnxElementType type, OnnxKernel f, OnnxKernel d, OnnxKernel l, OnnxKernel b, OnnxKernel s) => type switch
    {
        OnnxElementType.Float => f,
        OnnxElementType.Double => d,
        OnnxElementType.Int64 => l,
        OnnxElementType.Bool => b,
        _ => s,
    };

    private static Dim Product(Dim[] dims) => new(dims.Aggregate(1L, (p, d) => p * d.Size), dims.Any(d => d.PerRow));

    /// <summary>Axes from the <c>axes</c> attribute (opset &lt; 13) or the given constant input; null when absent.</summary>
    private static int[]? Axes(NodeContext context, int inputIndex, int rank) =>
        context.Opset < 13
            ? Normalize(context, context.Attributes.Ints("axes"), rank)
            : context.OptionalInput(inputIndex) is null ? null : Normalize(context, context.ConstantInput(inputIndex, "axes").AsLongs(), rank);

    private static int[]? Normalize(NodeContext context, long[]? axes, int rank) =>
        axes?.Select(a => a < 0 ? (int)a + rank : (int)a).Select(a => a >= 0 && a < rank ? a : throw context.Error($"axis {a} is out of range for rank {rank}.")).ToArray();
}

/// <summary>Cast of integer labels to strings (their decimal text), as skl2onnx does for string outputs of integer classes.</summary>
internal sealed class LabelTextKernel(OnnxValue input, OnnxValue output) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<long>(input);
        var y = workspace.Get<string>(output);
        var count = (int)output.Shape.Count(rows);
        for (var i = 0; i < count; i++)
        {
            y[i] = x[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
