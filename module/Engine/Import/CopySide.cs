namespace VolumeManager.Engine.Import;

/// <summary>One side of a serial split brain: the disks whose copies are at the same serial, newest on their line.</summary>
public sealed record CopySide(ConfigSerial Serial, IReadOnlyList<Model.DiskCopy> Disks)
{
    public override string ToString() =>
        $"{(Disks.Count == 1 ? "disk" : "disks")} {string.Join(", ", Disks.Select(d => d.DiskName))} at {Serial}";
}
