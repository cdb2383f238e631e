using FunctionsMl.Engine.Trainers.Gbdt;

namespace FunctionsMl.Engine.Tests.Trainers.Gbdt;

public sealed class GbdtModelReadTests
{
    // Offsets in a written binary model with one feature and 2 classes: version, task, features, classes,
    // base scores (count + 1 float), roots (count + ints), then nodes.
    private const int RootsCountOffset = 24;

    [Fact]
    public void Read_Truncated_ThrowsInvalidData()
    {
        var bytes = Written();

        Assert.Throws<InvalidDataException>(() => Read(bytes[..^3]));
    }

    [Fact]
    public void Read_UnknownVersion_ThrowsInvalidData()
    {
        var bytes = Written();
        bytes[0] = 99;

        var exception = Assert.Throws<InvalidDataException>(() => Read(bytes));

        Assert.Contains("version 99", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FeatureOutOfRange_ThrowsInvalidData()
    {
        var bytes = Written();
        BitConverter.TryWriteBytes(bytes.AsSpan(FirstNodeOffset(bytes)), 5);

        var exception = Assert.Throws<InvalidDataException>(() => Read(bytes));

        Assert.Contains("feature 5", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ChildPointingBackwards_ThrowsInvalidDataRatherThanLooping()
    {
        var bytes = Written();
        // Node: feature (4), default-left (1), threshold (4), left (4), right (4). Point the left child at itself.
        BitConverter.TryWriteBytes(bytes.AsSpan(FirstNodeOffset(bytes) + 9), 0);

        var exception = Assert.Throws<InvalidDataException>(() => Read(bytes));

        Assert.Contains("Node 0", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LeafOutOfRange_ThrowsInvalidData()
    {
        var bytes = Written();
        BitConverter.TryWriteBytes(bytes.AsSpan(FirstNodeOffset(bytes) + 13), ~1000);

        Assert.Throws<InvalidDataException>(() => Read(bytes));
    }

    [Fact]
    public void Read_LeafSharedByBothChildren_ThrowsInvalidData()
    {
        var bytes = Written();
        var node = FirstNodeOffset(bytes);
        // Right child := left child.
        Array.Copy(bytes, node + 9, bytes, node + 13, 4);

        var exception = Assert.Throws<InvalidDataException>(() => Read(bytes));

        Assert.Contains("already has a parent", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrittenModel_PredictsTheSame()
    {
        var bytes = Written();

        var model = Read(bytes);

        var output = new float[2];
        model.Predict([8f], output);
        Assert.True(output[1] > 0.5);
        model.Predict([1f], output);
        Assert.True(output[1] < 0.5);
    }

    private static int FirstNodeOffset(byte[] bytes)
    {
        var roots = BitConverter.ToInt32(bytes, RootsCountOffset);
        // Roots, then the node count.
        return RootsCountOffset + 4 + (roots * 4) + 4;
    }

    private static byte[] Written()
    {
        float[] values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        float[] labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        var model = new GbdtTrainer(new GbdtOptions { Trees = 2, Leaves = 2, MinRowsPerLeaf = 1 })
            .Fit(GbdtTestData.OneFeature(values, labels, ModelTask.Binary, 2), null);
        Assert.Equal(0, model.Roots[0]);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            model.Write(writer);
        }

        return stream.ToArray();
    }

    private static GbdtModel Read(byte[] bytes) => GbdtModel.Read(new BinaryReader(new MemoryStream(bytes)));
}
