// The ILGPU backend: every ITensorBackend kernel on a CUDA GPU, or on ILGPU's CPU simulator for tests.
//
// Limits: tensors still live in CPU memory (float[] storage), so every call uploads its inputs, launches one kernel
// and downloads the result; the transfers dominate for small tensors. Device-resident tensors, which keep activations
// on the GPU between calls, come with the full CUDA backend issue. Device buffers are pooled by length so repeated
// same-shaped calls do not reallocate. Calls are serialised by a lock: one accelerator stream, one call at a time.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Snn.Backends;
using Snn.Gpu.Kernels;
using Snn.Kernels;

namespace Snn.Gpu;

/// <summary>
/// An <see cref="ITensorBackend"/> on an ILGPU accelerator, chosen once at the edge of the program:
/// <c>Backend.Use(GpuBackend.TryCreateCuda() ?? ...)</c>. Results match <see cref="CpuBackend"/> (GEMM to float
/// rounding; neurons to the last bit in the simulator, spikes exactly).
/// </summary>
public sealed class GpuBackend : ITensorBackend, IDisposable
{
    /// <summary>Threads per group for the grid-stride kernels, and the most the tiled GEMM uses (16 × 16).</summary>
    private const int MaxGroupSize = 256;

    private readonly Lock _gate = new();
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly DeviceBufferPool _pool;
    private readonly int _groupSize, _maxGroups, _tile;

    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _binary;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int> _unary;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, GemmArguments> _gemmNaive;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArguments> _gemmTiled;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, NeuronParams> _neuronForward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, NeuronParams> _neuronBackward;

    private GpuBackend(Context context, Accelerator accelerator)
    {
        _context = context;
        _accelerator = accelerator;
        _pool = new DeviceBufferPool(accelerator);
        _groupSize = Math.Min(accelerator.MaxNumThreadsPerGroup, MaxGroupSize);
        // Enough groups to fill the device once; grid-stride loops cover anything larger.
        _maxGroups = Math.Max(1, accelerator.MaxNumThreads / _groupSize);
        _tile = (int)Math.Sqrt(_groupSize);
        Name = "ilgpu-" + accelerator.AcceleratorType.ToString().ToLowerInvariant();

        _binary = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ElementwiseKernels.BinaryKernel);
        _unary = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(ElementwiseKernels.UnaryKernel);
        _gemmNaive = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, GemmArguments>(GemmNaiveKernel.Kernel);
        _gemmTiled = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArguments>(GemmTiledKernel.Kernel);
        _neuronForward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, NeuronParams>(NeuronKernels.ForwardKernel);
        _neuronBackward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, NeuronParams>(NeuronKernels.BackwardKernel);
    }

    /// <summary>The first CUDA GPU, or null when there is none (no device, or no CUDA driver installed).</summary>
    public static GpuBackend? TryCreateCuda()
    {
        var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        if (context.GetCudaDevices().Count == 0)
        {
            context.Dispose();
            return null;
        }
        return new GpuBackend(context, context.CreateCudaAccelerator(0));
    }

    /// <summary>
    /// ILGPU's CPU accelerator, which runs the same kernels with one managed thread per GPU thread. It simulates a
    /// small device (4 warps of 4 threads, so 4×4 GEMM tiles) because each simulated barrier wakes every thread.
    /// </summary>
    public static GpuBackend CreateCpuSimulator()
    {
        var context = Context.Create(builder => builder.CPU(new CPUDevice(4, 4, 1)).EnableAlgorithms());
        return new GpuBackend(context, context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel));
    }

    public string Name { get; }

    /// <summary>Device allocations made so far; repeated same-shaped calls must not raise it.</summary>
    internal int DeviceAllocations => _pool.Allocations;

    public void Binary(Tensor a, Tensor b, BinaryOp op, Tensor destination)
    {
        CheckLengths("Binary " + op, a, b, destination);
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, null);
        Run(() =>
        {
            var result = _pool.Rent(destination.Length);
            _binary(Linear(destination.Length), Upload(a), Upload(b), result, destination.Length, (int)op);
            Download(result, destination);
        });
    }

    public void Unary(Tensor x, UnaryOp op, Tensor destination)
    {
        CheckLengths("Unary " + op, x, x, destination);
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, null);
        Run(() =>
        {
            var result = _pool.Rent(destination.Length);
            _unary(Linear(destination.Length), Upload(x), result, destination.Length, (int)op);
            Download(result, destination);
        });
    }

    public void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float beta, Tensor c) =>
        MatMul(a, transposeA, b, transposeB, beta, c, tiled: true);

    /// <summary>
    /// <see cref="MatMul(Tensor, bool, Tensor, bool, float, Tensor)"/> on the tiled kernel or, for tests, on the naive
    /// one it is checked against.
    /// </summary>
    internal void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float beta, Tensor c, bool tiled)
    {
        var g = MatMulGeometry.Of(a, transposeA, b, transposeB, c);
        if (c.Length == 0) return;
        var args = new GemmArguments(g, transposeA, transposeB, beta);
        Run(() =>
        {
            var cView = beta == 0 ? _pool.Rent(c.Length) : Upload(c);
            if (tiled)
            {
                var grid = new Index3D((g.N + _tile - 1) / _tile, (g.M + _tile - 1) / _tile, g.Batch);
                var config = new KernelConfig(grid, new Index3D(_tile, _tile, 1), SharedMemoryConfig.RequestDynamic<float>(2 * _tile * _tile));
                _gemmTiled(config, Upload(a), Upload(b), cView, args);
            }
            else
            {
                _gemmNaive(Linear(c.Length), Upload(a), Upload(b), cView, g.Batch, args);
            }
            Download(cView, c);
        });
    }

    public void NeuronForward(Tensor input, in NeuronSpec spec, Tensor spikes, Tensor charged, Tensor? membrane = null)
    {
        CheckLengths("NeuronForward", input, spikes, charged);
        var p = new NeuronParams(spec);
        int timeSteps = input.Shape[0], neurons = input.Length / Math.Max(timeSteps, 1);
        if (membrane is not null && membrane.Length != neurons)
            throw new ArgumentException($"NeuronForward: membrane {Tensor.ShapeText(membrane.Shape)} does not hold one value for each of {neurons} neurons.");
        Run(() =>
        {
            ArrayView<float> s = _pool.Rent(input.Length), h = _pool.Rent(input.Length);
            var state = membrane is null ? _pool.Rent(1) : Upload(membrane);
            _neuronForward(Linear(neurons), Upload(input), s, h, state, membrane is null ? 0 : 1, timeSteps, neurons, p);
            Download(s, spikes);
            Download(h, charged);
            if (membrane is not null) Download(state, membrane);
        });
    }

    public void NeuronBackward(Tensor gradSpikes, Tensor charged, in NeuronSpec spec, Tensor gradInput)
    {
        CheckLengths("NeuronBackward", gradSpikes, charged, gradInput);
        var p = new NeuronParams(spec);
        int timeSteps = charged.Shape[0], neurons = charged.Length / Math.Max(timeSteps, 1);
        Run(() =>
        {
            var result = _pool.Rent(gradInput.Length);
            _neuronBackward(Linear(neurons), Upload(gradSpikes), Upload(charged), result, timeSteps, neurons, p);
            Download(result, gradInput);
        });
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _pool.Dispose();
            _accelerator.Dispose();
            _context.Dispose();
        }
    }

    /// <summary>Runs one call's uploads, launch and downloads alone on the accelerator, then frees its buffers.</summary>
    private void Run(Action call)
    {
        lock (_gate)
        {
            try { call(); }
            finally { _pool.ReturnAll(); }
        }
    }

    /// <summary>A 1-D launch for grid-stride kernels: one thread per item up to one full device.</summary>
    private KernelConfig Linear(int items) =>
        new(Math.Clamp((items + _groupSize - 1) / _groupSize, 1, _maxGroups), _groupSize);

    private ArrayView<float> Upload(Tensor tensor)
    {
        var view = _pool.Rent(tensor.Length);
        view.CopyFromCPU(tensor.Span);
        return view;
    }

    private void Download(ArrayView<float> view, Tensor destination)
    {
        // Kernels run asynchronously on the stream; the copy must see their writes.
        _accelerator.Synchronize();
        view.CopyToCPU(destination.Span);
    }

    private static void CheckLengths(string op, Tensor a, Tensor b, Tensor destination)
    {
        if (a.Length != b.Length || a.Length != destination.Length)
            throw new ArgumentException($"{op}: lengths differ: {Tensor.ShapeText(a.Shape)}, {Tensor.ShapeText(b.Shape)} → {Tensor.ShapeText(destination.Shape)}.");
    }
}
