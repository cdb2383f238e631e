namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>
/// LinearClassifier: scores = X · coefficientsᵀ + intercepts. With one coefficient row and two labels the scores
/// become [−s, s] (the reference's rule); then the post_transform; the label is the arg max, or for a single score
/// column, labels[0] when the score reaches 0 (NONE) or 0.5.
/// </summary>
internal sealed class LinearClassifierKernel(
    OnnxValue input, OnnxValue? labelOutput, OnnxValue? scoresOutput, double[] coefficients, double[] intercepts,
    int classes, int columns, ClassLabels labels, PostTransform transform) : OnnxKernel
{
    private readonly int _width = (int)input.Shape.RowWidth;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        Span<double> features = _width <= RowReader.MaxStackWidth ? stackalloc double[_width] : new double[_width];
        Span<double> scores = columns <= 256 ? stackalloc double[columns] : new double[columns];
        var x = workspace.Buffers[input.Slot];
        for (var row = 0; row < rows; row++)
        {
            RowReader.Read(x, row, _width, features);
            for (var c = 0; c < classes; c++)
            {
                double sum = intercepts.Length == 0 ? 0 : intercepts[c];
                for (var f = 0; f < _width; f++)
                {
                    sum += coefficients[(c * _width) + f] * features[f];
                }

                scores[c] = sum;
            }

            if (columns == 2 && classes == 1)
            {
                scores[1] = scores[0];
                scores[0] = -scores[0];
            }

            PostTransforms.Apply(transform, scores);
            if (scoresOutput is not null)
            {
                RowReader.Write(workspace.Buffers[scoresOutput.Slot], row * columns, scores);
            }

            if (labelOutput is null)
            {
                continue;
            }

            if (columns > 1)
            {
                var best = 0;
                for (var c = 1; c < columns; c++)
                {
                    if (scores[c] > scores[best])
                    {
                        best = c;
                    }
                }

                labels.Write(workspace, labelOutput, row, best);
            }
            else
            {
                var positive = scores[0] >= (transform == PostTransform.None ? 0 : 0.5);
                if (labels.Ints is not null)
                {
                    workspace.Get<long>(labelOutput)[row] = positive ? labels.Ints[0] : 0;
                }
                else
                {
                    workspace.Get<string>(labelOutput)[row] = positive ? labels.Strings![0] : string.Empty;
                }
            }
        }
    }
}

/// <summary>LinearRegressor: Y = X · coefficientsᵀ + intercepts, one column per target, then the post_transform.</summary>
internal sealed class LinearRegressorKernel(OnnxValue input, OnnxValue output, double[] coefficients, double[] intercepts, int targets, PostTransform transform) : OnnxKernel
{
    private readonly int _width = (int)input.Shape.RowWidth;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        Span<double> features = _width <= RowReader.MaxStackWidth ? stackalloc double[_width] : new double[_width];
        Span<double> scores = targets <= 256 ? stackalloc double[targets] : new double[targets];
        var x = workspace.Buffers[input.Slot];
        for (var row = 0; row < rows; row++)
        {
            RowReader.Read(x, row, _width, features);
            for (var t = 0; t < targets; t++)
            {
                double sum = intercepts.Length == 0 ? 0 : intercepts[t];
                for (var f = 0; f < _width; f++)
                {
                    sum += coefficients[(t * _width) + f] * features[f];
                }

                scores[t] = sum;
            }

            PostTransforms.Apply(transform, scores);
            RowReader.Write(workspace.Buffers[output.Slot], row * targets, scores);
        }
    }
}

/// <summary>Per-column affine map over the last axis, in double, written as float: Scaler ((x − offset) · scale).</summary>
internal sealed class ScalerKernel(OnnxValue input, OnnxValue output, double[] offset, double[] scale) : OnnxKernel
{
    private readonly int _width = (int)Math.Max(1, input.Shape.Rank == 0 ? 1 : input.Shape[input.Shape.Rank - 1].Size);

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var count = (int)output.Shape.Count(rows);
        var x = workspace.Buffers[input.Slot];
        var y = workspace.Get<float>(output);
        for (var i = 0; i < count; i++)
        {
            var column = i % _width;
            var value = x switch
            {
                float[] f => f[i],
                double[] d => d[i],
                long[] l => l[i],
                _ => 0.0,
            };
            y[i] = (float)((value - offset[offset.Length == 1 ? 0 : column]) * scale[scale.Length == 1 ? 0 : column]);
        }
    }
}

/// <summary>Normalizer: each row divided by its max |x|, Σ|x| or √Σx² (computed on the max-scaled row, as the reference does); a zero row stays zero.</summary>
internal sealed class NormalizerKernel(OnnxValue input, OnnxValue output, string norm) : OnnxKernel
{
    private readonly int _width = (int)input.Shape.RowWidth;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        Span<double> values = _width <= RowReader.MaxStackWidth ? stackalloc double[_width] : new double[_width];
        var x = workspace.Buffers[input.Slot];
        var y = workspace.Get<float>(output);
        var count = input.Shape.Rank == 1 ? 1 : rows;
        var width = input.Shape.Rank == 1 ? (int)input.Shape.Count(rows) : _width;
        for (var row = 0; row < count; row++)
        {
            RowReader.Read(x, row, width, values[..width]);
            double max = 0;
            for (var i = 0; i < width; i++)
            {
                max = Math.Max(max, Math.Abs(values[i]));
            }

            if (max != 0)
            {
                for (var i = 0; i < width; i++)
                {
                    values[i] /= max;
                }
            }

            if (norm != "MAX")
            {
                double total = 0;
                for (var i = 0; i < width; i++)
                {
                    total += norm == "L1" ? Math.Abs(values[i]) : values[i] * values[i];
                }

                total = norm == "L2" ? Math.Sqrt(total) : total;
                if (total != 0)
                {
                    for (var i = 0; i < width; i++)
                    {
                        values[i] /= total;
                    }
                }
            }

            for (var i = 0; i < width; i++)
            {
                y[(row * width) + i] = (float)values[i];
            }
        }
    }
}

/// <summary>Binarizer: 1 where x &gt; threshold (strictly), else 0.</summary>
internal sealed class BinarizerKernel<T>(OnnxValue input, OnnxValue output, T threshold) : OnnxKernel
    where T : System.Numerics.INumber<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var count = (int)output.Shape.Count(rows);
        for (var i = 0; i < count; i++)
        {
            y[i] = x[i] > threshold ? T.One : T.Zero;
        }
    }
}

/// <summary>Imputer: values equal to the replaced value (NaN matched with isnan) become the column's imputed value.</summary>
internal sealed class ImputerKernel<T>(OnnxValue input, OnnxValue output, T replaced, T[] imputed) : OnnxKernel
    where T : System.Numerics.INumber<T>
{
    private readonly int _width = (int)input.Shape.RowWidth;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var count = (int)output.Shape.Count(rows);
        var nan = T.IsNaN(replaced);
        for (var i = 0; i < count; i++)
        {
            var v = x[i];
            y[i] = (nan ? T.IsNaN(v) : v == replaced) ? imputed[imputed.Length == 1 ? 0 : i % _width] : v;
        }
    }
}

/// <summary>
/// OneHotEncoder: a trailing axis of one float per category. Numbers are truncated to integers before lookup.
/// An unknown value gives all zeros, also with zeros=0 (where ORT fails the request; this engine never fails a
/// prediction on a value).
/// </summary>
internal sealed class OneHotEncoderKernel(OnnxValue input, OnnxValue output, Dictionary<long, int>? ints, Dictionary<string, int>? strings, int categories) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var count = (int)input.Shape.Count(rows);
        var x = workspace.Buffers[input.Slot];
        var y = workspace.Get<float>(output);
        y.AsSpan(0, count * categories).Clear();
        for (var i = 0; i < count; i++)
        {
            int index;
            var found = x switch
            {
                string[] s => strings!.TryGetValue(s[i], out index),
                long[] l => ints!.TryGetValue(l[i], out index),
                float[] f => ints!.TryGetValue(float.IsNaN(f[i]) ? long.MinValue : (long)f[i], out index),
                double[] d => ints!.TryGetValue(double.IsNaN(d[i]) ? long.MinValue : (long)d[i], out index),
                _ => (index = 0) != 0,
            };
            if (found)
            {
                y[(i * categories) + index] = 1;
            }
        }
    }
}

/// <summary>LabelEncoder: a lookup from keys to values with a default, element by element.</summary>
internal sealed class LabelEncoderKernel<TKey, TValue>(OnnxValue input, OnnxValue output, Dictionary<TKey, TValue> map, TValue fallback, bool nanKey, TValue nanValue) : OnnxKernel
    where TKey : notnull
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<TKey>(input);
        var y = workspace.Get<TValue>(output);
        var count = (int)output.Shape.Count(rows);
        for (var i = 0; i < count; i++)
        {
            var key = x[i];
            y[i] = nanKey && key is float f && float.IsNaN(f) ? nanValue
                : nanKey && key is double d && double.IsNaN(d) ? nanValue
                : map.TryGetValue(key, out var value) ? value : fallback;
        }
    }
}

/// <summary>ArrayFeatureExtractor: Z = X[..., indices] on the last axis; indices are fixed at load.</summary>
internal sealed class ArrayFeatureExtractorKernel<T>(OnnxValue input, OnnxValue output, int[] indices) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var width = (int)input.Shape[input.Shape.Rank - 1].At(rows);
        var outer = (int)(input.Shape.Count(rows) / Math.Max(1, width));
        var k = 0;
        for (var o = 0; o < outer; o++)
        {
            foreach (var index in indices)
            {
                y[k++] = x[(o * width) + index];
            }
        }
    }
}

/// <summary>FeatureVectorizer: concatenates [N, d_i] inputs into float [N, Σ inputdimensions], truncating or zero-padding each to its declared width.</summary>
internal sealed class FeatureVectorizerKernel(OnnxValue[] inputs, OnnxValue output, int[] dimensions) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var y = workspace.Get<float>(output);
        var total = dimensions.Sum();
        for (var row = 0; row < rows; row++)
        {
            var offset = row * total;
            for (var i = 0; i < inputs.Length; i++)
            {
                var width = (int)inputs[i].Shape.RowWidth;
                var x = workspace.Buffers[inputs[i].Slot];
                for (var j = 0; j < dimensions[i]; j++)
                {
                    y[offset + j] = j >= width ? 0 : x switch
                    {
                        float[] f => f[(row * width) + j],
                        double[] d => (float)d[(row * width) + j],
                        long[] l => l[(row * width) + j],
                        _ => 0,
                    };
                }

                offset += dimensions[i];
            }
        }
    }
}
