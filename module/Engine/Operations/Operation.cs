using System.Text.Json.Serialization;
using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Operations;

/// <summary>One change to the configuration. A transaction carries one or more, applied in order.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(CreateDiskGroup), nameof(CreateDiskGroup))]
[JsonDerivedType(typeof(RemoveDiskGroup), nameof(RemoveDiskGroup))]
[JsonDerivedType(typeof(CreateVolume), nameof(CreateVolume))]
[JsonDerivedType(typeof(RemoveVolume), nameof(RemoveVolume))]
[JsonDerivedType(typeof(ResizeVolume), nameof(ResizeVolume))]
[JsonDerivedType(typeof(AddMirror), nameof(AddMirror))]
[JsonDerivedType(typeof(RemoveMirror), nameof(RemoveMirror))]
[JsonDerivedType(typeof(SetPlexState), nameof(SetPlexState))]
[JsonDerivedType(typeof(AddDisk), nameof(AddDisk))]
[JsonDerivedType(typeof(RemoveDisk), nameof(RemoveDisk))]
[JsonDerivedType(typeof(ImportDiskGroup), nameof(ImportDiskGroup))]
[JsonDerivedType(typeof(DeportDiskGroup), nameof(DeportDiskGroup))]
[JsonDerivedType(typeof(AddNode), nameof(AddNode))]
[JsonDerivedType(typeof(RemoveNode), nameof(RemoveNode))]
[JsonDerivedType(typeof(DetachPlex), nameof(DetachPlex))]
[JsonDerivedType(typeof(RelocatePlex), nameof(RelocatePlex))]
[JsonDerivedType(typeof(SetDisk), nameof(SetDisk))]
[JsonDerivedType(typeof(SetDiskGroup), nameof(SetDiskGroup))]
[JsonDerivedType(typeof(RestoreDiskGroup), nameof(RestoreDiskGroup))]
public abstract class Operation
{
    /// <summary>The disk group the operation changes; its I/O is quiesced at prepare. Empty for a change of membership.</summary>
    public string DiskGroup { get; set; } = "";

    public abstract string Describe();

    /// <summary>Applies the operation to a disk group list (shared or private), at a given generation.</summary>
    public abstract void ApplyTo(List<DiskGroup> groups, long generation);
}
