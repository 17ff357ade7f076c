using BenchmarkDotNet.Attributes;
using Sublet.IdMapping;

namespace Sublet.Benchmarks;

/// <summary>
/// <see cref="SlotAllocator.Allocate"/> with N ranges in use. Worst realistic case: the in-use
/// ranges fill the first N slots (so the sweep walks all of them), handed over in reverse order
/// (so the sort has work to do), as the state store would list them.
/// </summary>
[MemoryDiagnoser]
public class SlotAllocatorBenchmarks
{
    private SlotAllocator _allocator = null!;
    private IdRange[] _inUse = [];

    [Params(10, 1_000, 10_000)]
    public int InUse { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _allocator = new SlotAllocator(IdPool.Default(65536));
        _inUse = Enumerable.Range(0, InUse).Reverse().Select(i => _allocator.RangeOf((ulong)i)).ToArray();
    }

    [Benchmark]
    public IdRange Allocate() => _allocator.Allocate(_inUse);
}
