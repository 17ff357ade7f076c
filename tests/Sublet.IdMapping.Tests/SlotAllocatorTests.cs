namespace Sublet.IdMapping.Tests;

public class SlotAllocatorTests
{
    private const uint Unit = 65536;
    private static readonly IdPool DefaultPool = IdPool.Default(Unit);
    private static readonly IdPool SmallPool = new(Unit, 4 * Unit, Unit, IdPool.KubeletSource);

    [Theory]
    // The default pool has Count/L = 65535 slots for L = 65536, but the last holds 2^32-1.
    [InlineData(65536u, 65534UL)]
    [InlineData(131072u, 32766UL)]
    public void Default_pool_excludes_the_slot_holding_the_last_id(uint idsPerPod, ulong usable)
    {
        var allocator = new SlotAllocator(IdPool.Default(idsPerPod));

        Assert.Equal(usable, allocator.SlotCount);
        IdRange last = allocator.RangeOf(usable - 1);
        Assert.Equal(new IdRange((uint)(usable * idsPerPod), idsPerPod), last);
        Assert.False(last.Contains(uint.MaxValue));
        Assert.True(last.End < 1UL << 32);
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.RangeOf(usable));
    }

    [Fact]
    public void Pool_ending_below_the_last_id_keeps_all_its_slots()
    {
        Assert.Equal(110UL, new SlotAllocator(new IdPool(Unit, 110 * Unit, Unit, IdPool.KubeletSource)).SlotCount);
    }

    [Fact]
    public void Slots_are_aligned_to_idsPerPod()
    {
        var pool = new IdPool(3 * 131072, 10 * 131072, 131072, IdPool.KubeletSource);
        var allocator = new SlotAllocator(pool);

        for (ulong i = 0; i < allocator.SlotCount; i++)
        {
            IdRange r = allocator.RangeOf(i);
            Assert.Equal(0u, r.Start % pool.IdsPerPod);
            Assert.Equal((3 + i) * 131072, (ulong)r.Start);
            Assert.Equal(pool.IdsPerPod, r.Length);
        }
    }

    [Fact]
    public void Constructor_rejects_an_invalid_pool()
    {
        var ex = Assert.Throws<IdMappingException>(() => new SlotAllocator(new IdPool(0, 4 * Unit, Unit, "test")));
        Assert.Contains("must be greater or equal to 65536", ex.Message);
    }

    public static TheoryData<IdRange[], IdRange> AllocationCases => new()
    {
        { [], new IdRange(Unit, Unit) },
        { [new IdRange(Unit, Unit)], new IdRange(2 * Unit, Unit) },
        // Lowest free slot, even when higher ones are taken.
        { [new IdRange(2 * Unit, Unit), new IdRange(4 * Unit, Unit)], new IdRange(Unit, Unit) },
        // critest's CRI range 1000 + 100000 overlaps the first slot, [65536, 131072).
        { [new IdRange(1000, 100000)], new IdRange(2 * Unit, Unit) },
        // One ID of overlap is enough to skip a slot; touching (end == start) is not.
        { [new IdRange(2 * Unit - 1, 1)], new IdRange(2 * Unit, Unit) },
        { [new IdRange(0, Unit)], new IdRange(Unit, Unit) },
        // Unaligned: one inside the first slot, one across the second and third, listed out of order.
        { [new IdRange(3 * Unit - 5, 10), new IdRange(Unit + 7, 3)], new IdRange(4 * Unit, Unit) },
        // A long range that starts early hides shorter ones inside it.
        { [new IdRange(0, 3 * Unit), new IdRange(Unit + 1, 1), new IdRange(2 * Unit, 5)], new IdRange(3 * Unit, Unit) },
        // Empty ranges and ranges outside the pool block nothing.
        { [new IdRange(Unit, 0), new IdRange(100 * Unit, Unit), new IdRange(uint.MaxValue, 1)], new IdRange(Unit, Unit) },
    };

    [Theory]
    [MemberData(nameof(AllocationCases))]
    public void Allocate_returns_the_lowest_free_aligned_slot(IdRange[] inUse, IdRange expected)
    {
        Assert.Equal(expected, new SlotAllocator(SmallPool).Allocate(inUse));
    }

    [Fact]
    public void Exhaustion_names_the_pool()
    {
        var allocator = new SlotAllocator(SmallPool);
        var all = Enumerable.Range(1, 4).Select(i => new IdRange((uint)i * Unit, Unit));

        var ex = Assert.Throws<IdMappingException>(() => allocator.Allocate(all));

        Assert.Equal(
            "no free user namespace range: all 4 ranges of 65536 IDs in kubelet entries of /etc/subuid and /etc/subgid " +
            "(first 65536, count 262144) are in use",
            ex.Message);
    }

    [Fact]
    public void Last_slot_holding_the_last_id_is_never_returned()
    {
        var allocator = new SlotAllocator(DefaultPool);
        // One CRI range covers every usable slot but the last usable one, [2^32 - 131072, 2^32 - 65536).
        var allButLast = new IdRange(0, (uint)(allocator.SlotCount * Unit));
        IdRange lastUsable = allocator.Allocate([allButLast]);
        Assert.Equal(new IdRange((uint)((1UL << 32) - 2 * Unit), Unit), lastUsable);

        // [2^32 - 65536, 2^32) is free but holds 2^32-1: the pool counts as full.
        var ex = Assert.Throws<IdMappingException>(() => allocator.Allocate([allButLast, lastUsable]));
        Assert.Contains("all 65534 ranges of 65536 IDs in default pool (first 65536, count 4294901760)", ex.Message);
    }

    [Fact]
    public void Ten_thousand_in_use_ranges_in_any_order()
    {
        var allocator = new SlotAllocator(DefaultPool);
        var rng = new Random(42);
        // Slots 0..9999 taken (shuffled), plus unaligned foreign ranges inside them.
        var inUse = Enumerable.Range(0, 10_000).Select(i => allocator.RangeOf((ulong)i))
            .Concat(Enumerable.Range(0, 500).Select(i => new IdRange((uint)(Unit + rng.Next(1000 * (int)Unit)), 100)))
            .OrderBy(_ => rng.Next())
            .ToList();

        Assert.Equal(allocator.RangeOf(10_000), allocator.Allocate(inUse));

        inUse.Remove(allocator.RangeOf(7_777));
        Assert.Equal(allocator.RangeOf(7_777), allocator.Allocate(inUse));
    }

    [Fact]
    public void Agrees_with_a_brute_force_scan_on_random_inputs()
    {
        var pool = new IdPool(2 * Unit, 20 * Unit, Unit, "test");
        var allocator = new SlotAllocator(pool);
        var rng = new Random(7);
        for (int round = 0; round < 500; round++)
        {
            var inUse = Enumerable.Range(0, rng.Next(0, 25))
                .Select(_ => new IdRange((uint)rng.Next(0, 24 * (int)Unit), (uint)rng.Next(0, 3 * (int)Unit)))
                .ToArray();
            IdRange? expected = null;
            for (ulong s = 0; s < allocator.SlotCount && expected is null; s++)
            {
                IdRange candidate = allocator.RangeOf(s);
                if (!inUse.Any(candidate.Overlaps))
                {
                    expected = candidate;
                }
            }

            if (expected is { } free)
            {
                Assert.Equal(free, allocator.Allocate(inUse));
            }
            else
            {
                Assert.Throws<IdMappingException>(() => allocator.Allocate(inUse));
            }
        }
    }
}
