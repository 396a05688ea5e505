using VolumeManager.Engine.Allocation;

namespace VolumeManager.Cmdlets.Objects;

/// <summary>
/// Sizes in the format views show them: the one messages use too (<see cref="Sizes.Human"/>: "64 MiB", "1.5 GiB"),
/// so a table and an error about the same volume say the same. Kept for the format files, which call it by name.
/// </summary>
public static class SizeText
{
    public static string Format(long bytes) => Sizes.Human(bytes);
}
