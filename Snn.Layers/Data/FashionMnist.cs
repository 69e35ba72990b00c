// Finds and loads Fashion-MNIST: a folder the user names, else the Debian package's folder, else the subset in the repo.
using Snn.IO;

namespace Snn.Layers.Data;

/// <summary>
/// Fashion-MNIST train and test sets as <see cref="ImageDataset"/>s of [N, 1, 28, 28] images in [0, 1], labels 0–9.
/// <see cref="Source"/> says which copy was used, because the repo subset (4,000 / 1,000 images) trains to a
/// visibly lower accuracy than the full set and a user comparing numbers must know which one they got.
/// </summary>
public sealed class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the IDX files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The subset shipped in the repository, relative to the repository root.</summary>
    public const string SubsetFolder = "data/fashion-mnist-subset";

    public const int ImageSize = 28;

    /// <summary>Label i names class i.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly string[] FileNames =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    private const string HowToGet =
        "Install the full data set with `sudo apt-get install dataset-fashion-mnist` (→ " + SystemDirectory + "), " +
        "or pass --data DIR naming a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, " +
        "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz).";

    public ImageDataset Train { get; }
    public ImageDataset Test { get; }

    /// <summary>Which copy was loaded, from where, and how many images, e.g. for the first line of a training log.</summary>
    public string Source { get; }

    private FashionMnist(ImageDataset train, ImageDataset test, string source)
    {
        Train = train;
        Test = test;
        Source = source;
    }

    /// <summary>
    /// Loads from <paramref name="directory"/> if given (and fails if it is unusable rather than silently falling
    /// back), else from <see cref="SystemDirectory"/>, else from the repo subset found by searching upward from the
    /// program's folder and the current folder. Missing data throws <see cref="DirectoryNotFoundException"/> or
    /// <see cref="FileNotFoundException"/> saying how to get it; bad files throw <see cref="InvalidDataException"/>.
    /// </summary>
    public static FashionMnist Load(string? directory = null) =>
        Load(Locate(directory, SystemDirectory, [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]));

    /// <summary>The same test set with only the first <paramref name="count"/> training images (quick runs).</summary>
    public FashionMnist WithTrainingImages(int count)
    {
        if (count >= Train.Count) return this;
        var train = new ImageDataset(Train.Images.Slice(0, count).Clone(), Train.Labels[..count]);
        return new FashionMnist(train, Test, $"{Source}, training on its first {count} images");
    }

    /// <summary>The small subset shipped in the repo, even when the full set is installed (tests, quick demos).</summary>
    public static FashionMnist LoadShippedSubset() =>
        Load(Locate(null, systemDirectory: null, [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]));

    internal static FashionMnist Load(DataLocation location)
    {
        var train = LoadSplit(location.Files[0], location.Files[1]);
        var test = LoadSplit(location.Files[2], location.Files[3]);
        return new FashionMnist(train, test, $"{location.Description} ({train.Count} train / {test.Count} test images)");
    }

    private static ImageDataset LoadSplit(string imagesPath, string labelsPath)
    {
        var set = ImageDataset.FromIdx(imagesPath, labelsPath);
        if (set.Images.Shape[2] != ImageSize || set.Images.Shape[3] != ImageSize)
            throw new InvalidDataException($"{imagesPath}: images are {set.Images.Shape[2]}×{set.Images.Shape[3]}; Fashion-MNIST images are {ImageSize}×{ImageSize}.");
        int bad = Array.FindIndex(set.Labels, l => (uint)l >= (uint)ClassNames.Count);
        if (bad >= 0)
            throw new InvalidDataException($"{labelsPath}: label {set.Labels[bad]} at index {bad} is outside 0–{ClassNames.Count - 1}.");
        return set;
    }

    /// <summary>The four files to read (train images, train labels, test images, test labels) and a description.</summary>
    internal sealed record DataLocation(string[] Files, string Description);

    /// <summary>A null <paramref name="systemDirectory"/> skips the system-wide copy and looks only for the shipped subset.</summary>
    internal static DataLocation Locate(string? directory, string? systemDirectory, IEnumerable<string> searchStarts)
    {
        if (directory is not null)
        {
            if (!Directory.Exists(directory))
                throw new DirectoryNotFoundException($"Fashion-MNIST folder '{directory}' does not exist. {HowToGet}");
            return new DataLocation(FilesIn(directory), $"Fashion-MNIST from {Path.GetFullPath(directory)}");
        }
        if (systemDirectory is not null && Directory.Exists(systemDirectory))
            return new DataLocation(FilesIn(systemDirectory), $"full Fashion-MNIST from {systemDirectory}");

        var starts = searchStarts.ToList();
        foreach (string start in starts)
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                string subset = Path.Combine(dir.FullName, SubsetFolder);
                if (Directory.Exists(subset))
                    return new DataLocation(FilesIn(subset), $"the small Fashion-MNIST subset shipped in {subset}, not the full data set");
            }

        throw new DirectoryNotFoundException(
            $"Fashion-MNIST not found: no folder given, {(systemDirectory is null ? "" : systemDirectory + " does not exist, ")}and no {SubsetFolder} " +
            $"above {string.Join(" or ", starts)}. {HowToGet}");
    }

    // A plain file wins over its .gz twin; IdxReader tells them apart by content anyway.
    private static string[] FilesIn(string directory)
    {
        var found = new string[FileNames.Length];
        var missing = new List<string>();
        for (int i = 0; i < FileNames.Length; i++)
        {
            string plain = Path.Combine(directory, FileNames[i]);
            found[i] = File.Exists(plain) ? plain : plain + ".gz";
            if (!File.Exists(found[i])) missing.Add(FileNames[i] + "(.gz)");
        }
        if (missing.Count > 0)
            throw new FileNotFoundException($"Fashion-MNIST folder '{directory}' lacks {string.Join(", ", missing)}. {HowToGet}");
        return found;
    }
}
