// FashionMnist: where the data is looked for, what is reported, and the errors when it is missing or inconsistent.
using System.Numerics.Tensors;
using Snn.Layers.Data;
using Snn.Tests.IO;

namespace Snn.Tests.Data;

public class FashionMnistTests
{
    private const string NoSystemFolder = "/nonexistent/fashion-mnist";

    /// <summary>The repo subset, located the way the CLI would find it from a build output folder; loaded once.</summary>
    internal static FashionMnist Subset => LazySubset.Value;
    private static readonly Lazy<FashionMnist> LazySubset =
        new(() => FashionMnist.Load(FashionMnist.Locate(null, NoSystemFolder, [AppContext.BaseDirectory])));

    private static void WriteFakeFolder(string dir, int trainImages, int trainLabels, byte label = 3)
    {
        var pixels = new byte[28 * 28];
        void Write(string name, int[] dims, int records, int recordSize, byte value) =>
            File.WriteAllBytes(Path.Combine(dir, name + ".gz"), IdxReaderTests.Gzip(IdxReaderTests.Idx(dims, Enumerable.Repeat(value, records * recordSize).ToArray())));
        Write("train-images-idx3-ubyte", [trainImages, 28, 28], trainImages, 28 * 28, 255);
        Write("train-labels-idx1-ubyte", [trainLabels], trainLabels, 1, label);
        Write("t10k-images-idx3-ubyte", [1, 28, 28], 1, 28 * 28, 0);
        Write("t10k-labels-idx1-ubyte", [1], 1, 1, 0);
    }

    [Fact]
    public void Subset_IsFoundAboveTheTestOutputFolder_AndHasTheDocumentedSize()
    {
        var data = Subset;
        Assert.Equal([4000, 1, 28, 28], data.Train.Images.ShapeArray());
        Assert.Equal([1000, 1, 28, 28], data.Test.Images.ShapeArray());
        Assert.Contains("subset", data.Source);
        Assert.Contains("4000 train / 1000 test", data.Source);
        Assert.Equal(Enumerable.Range(0, 10), data.Train.Labels.Distinct().Order());
        var pixels = data.Train.Images.Span;
        Assert.Equal((0f, 1f), (TensorPrimitives.Min(pixels), TensorPrimitives.Max(pixels)));
    }

    [Fact]
    public void Load_GivenFolder_IsUsedAndReported()
    {
        using var dir = new TempDirectory();
        WriteFakeFolder(dir.Path, 2, 2);
        var data = FashionMnist.Load(dir.Path);
        Assert.Equal([2, 1, 28, 28], data.Train.Images.ShapeArray());
        Assert.Equal(1f, data.Train.Images[1, 0, 27, 27]);
        Assert.Equal([3, 3], data.Train.Labels);
        Assert.Contains(dir.Path, data.Source);
    }

    [Fact]
    public void Locate_SystemFolder_WinsOverRepoSubset()
    {
        using var dir = new TempDirectory();
        WriteFakeFolder(dir.Path, 1, 1);
        var location = FashionMnist.Locate(null, dir.Path, [AppContext.BaseDirectory]);
        Assert.StartsWith(dir.Path, location.Files[0]);
        Assert.Contains("full Fashion-MNIST", location.Description);
    }

    [Fact]
    public void Load_MissingGivenFolder_SaysHowToGetTheData()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load("/nonexistent/fmnist"));
        Assert.Contains("/nonexistent/fmnist", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data DIR", e.Message);
    }

    [Fact]
    public void Locate_NothingAnywhere_SaysHowToGetTheData()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Locate(null, NoSystemFolder, [dir.Path]));
        Assert.Contains(NoSystemFolder, e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Load_FolderLackingAFile_NamesTheMissingFile()
    {
        using var dir = new TempDirectory();
        WriteFakeFolder(dir.Path, 1, 1);
        File.Delete(dir.File("t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir.Path));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        Assert.DoesNotContain("train-images", e.Message.Split("Install")[0]);
    }

    [Fact]
    public void Load_LabelCountNotImageCount_NamesBothFiles()
    {
        using var dir = new TempDirectory();
        WriteFakeFolder(dir.Path, trainImages: 3, trainLabels: 2);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path));
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void Load_LabelOutsideTenClasses_IsRejected()
    {
        using var dir = new TempDirectory();
        WriteFakeFolder(dir.Path, 1, 1, label: 10);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path));
        Assert.Contains("label 10 at index 0", e.Message);
    }
}
