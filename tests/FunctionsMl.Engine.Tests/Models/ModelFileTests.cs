using System.Text;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Engine.Tests.Models;

public sealed class ModelFileTests
{
    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("""{"name":"m"}""");
    private static readonly byte[] Payload = [1, 2, 3, 4, 5];

    [Fact]
    public void Read_WrittenFile_ReturnsBothSections()
    {
        var content = ModelFile.Read(ModelFile.Write(Manifest, Payload));

        Assert.Equal(ModelFile.CurrentFormatVersion, content.FormatVersion);
        Assert.Equal(Manifest, content.Manifest.ToArray());
        Assert.Equal(Payload, content.Payload.ToArray());
    }

    [Fact]
    public void Read_EveryTruncation_IsRefused()
    {
        var file = ModelFile.Write(Manifest, Payload);

        for (var length = 0; length < file.Length; length++)
        {
            Assert.Throws<ModelFormatException>(() => ModelFile.Read(file.AsMemory(0, length)));
        }
    }

    [Fact]
    public void Read_AnyFlippedByte_IsRefused()
    {
        var file = ModelFile.Write(Manifest, Payload);

        for (var i = 0; i < file.Length; i++)
        {
            var tampered = (byte[])file.Clone();
            tampered[i] ^= 0x40;
            Assert.Throws<ModelFormatException>(() => ModelFile.Read(tampered));
        }
    }

    [Fact]
    public void Read_TamperedContent_SaysCorrupt()
    {
        var file = ModelFile.Write(Manifest, Payload);
        file[^40] ^= 1;

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Read(file));

        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void Read_NewerFormat_AsksForAnUpgrade()
    {
        var file = ModelFile.Write(Manifest, Payload);
        file[10] = 99; // minimum reader version

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Read(file));

        Assert.Contains("Upgrade FunctionsMl", error.Message);
    }

    [Fact]
    public void Read_NotAModelFile_SaysSo()
    {
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Read(Encoding.UTF8.GetBytes("sepal_length,species\n5.1,setosa\n")));

        Assert.Contains("signature", error.Message);
    }
}
