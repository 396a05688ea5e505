<#
.SYNOPSIS
    An ext4 filesystem on a mirrored volume, used while the volume changes under it: made with mkfs.ext4 through
    nbdfuse and a loop device, mounted, files written; the mirror replaced and the volume grown while mounted, the
    filesystem grown with resize2fs; then fsck clean and the files read back identical through another node.
.DESCRIPTION
    Needs root (FUSE, loop devices, mount) and the Debian packages libnbd-bin (nbdfuse), fuse3 and e2fsprogs.
    The volume is reached as any application would reach it: through its NbdUri, a block device served by the
    node's agent. An NBD client learns a volume's new size on its next connection, so after the grow the script
    reconnects (unmount, new nbdfuse connection, mount again) and then grows the mounted filesystem online with
    resize2fs; where online resizing is not permitted (a container without CAP_SYS_RESOURCE) it grows it unmounted.
    Returns one object: the volume, the files and their hashes, and the fsck result.
.EXAMPLE
    ./Filesystem-OnVolume.ps1 -DiskGroup dgfs -Disk d01, d02, d03 -Volume fs -Size 64MB -GrowTo 96MB
#>
#Requires -Modules VolumeManager
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DiskGroup,
    # The disks of the group (created when it does not exist): at least three, so the mirror can move to a new one.
    [Parameter(Mandatory)] [string[]] $Disk,
    [Parameter(Mandatory)] [string] $Volume,
    [long] $Size = 64MB,
    [long] $GrowTo = 96MB,
    # The node whose agent serves the filesystem; the files are read back through -CheckNode.
    [string] $Node = 'n1',
    [string] $CheckNode = 'n2',
    # The cluster to use (default: the one last connected).
    $Cluster = (Get-VmCluster)
)
$ErrorActionPreference = 'Stop'
if ((id -u) -ne '0') { throw 'Filesystem-OnVolume.ps1 needs root: FUSE, loop devices and mount.' }
foreach ($tool in 'nbdfuse', 'fusermount3', 'losetup', 'mkfs.ext4', 'resize2fs', 'e2fsck', 'mount') {
    if (-not (Get-Command $tool -ErrorAction Ignore)) { throw "$tool is not installed (apt-get install libnbd-bin fuse3 e2fsprogs)." }
}

function Invoke-Native([string] $Program, [string[]] $Arguments) {
    $output = & $Program @Arguments 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed ($LASTEXITCODE): $output" }
    $output
}

# The volume as a block device of this machine: nbdfuse shows the export as a file, losetup makes it a device.
function Connect-Volume([string] $Through, [string] $Folder) {
    $uri = (Get-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume -Node $Through).NbdUri
    $null = New-Item -ItemType Directory -Force -Path $Folder
    $file = Join-Path $Folder 'volume'
    $fuse = Start-Process nbdfuse -PassThru -ArgumentList $file, $uri
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (-not (Test-Path $file)) {
        if ($fuse.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "nbdfuse did not show $uri as $file." }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ Fuse = $fuse; Folder = $Folder; Loop = (Invoke-Native losetup @('-f', '--show', $file)).Trim() }
}

function Disconnect-Volume($Connection) {
    if ($Connection.Loop) { losetup -d $Connection.Loop }
    fusermount3 -u $Connection.Folder
    if (-not $Connection.Fuse.WaitForExit(10000)) { Stop-Process -Id $Connection.Fuse.Id -Force }
}

function Write-Files([string] $Mount, [string] $Prefix, [int] $Count) {
    foreach ($i in 1..$Count) {
        $bytes = [byte[]]::new(1MB + $i * 4099)
        [Random]::new($Prefix.GetHashCode() + $i).NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $Mount "$Prefix-$i.bin"), $bytes)
    }
    sync
}

function Get-Hashes([string] $Mount) {
    Get-ChildItem $Mount -Filter *.bin | Sort-Object Name | ForEach-Object { "$($_.Name)=$((Get-FileHash $_.FullName).Hash)" }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('vmfs-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
$mount = Join-Path $work 'mnt'
$null = New-Item -ItemType Directory -Force -Path $mount
$connection = $null
$mounted = $false
try {
    if (-not (Get-VmDiskGroup -Cluster $Cluster -Name $DiskGroup -ErrorAction Ignore)) {
        New-VmDiskGroup -Cluster $Cluster -Name $DiskGroup -Disk $Disk -Shared | Out-Null
    }
    $original = New-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume -Size $Size -Mirror 2
    Write-Verbose "volume $Volume on $($original.Disks -join ', '), served by $Node"

    $connection = Connect-Volume $Node (Join-Path $work 'fuse1')
    Invoke-Native mkfs.ext4 @('-q', $connection.Loop) | Out-Null
    Invoke-Native mount @($connection.Loop, $mount) | Out-Null
    $mounted = $true
    Write-Files $mount 'before' 4

    # The mirror replaced while mounted: a new plex (its resync waited for), then the first one removed.
    $gone = $original.Plexes[0].Name
    Add-VmMirror -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume | Out-Null
    Write-Files $mount 'mirrored' 2
    Remove-VmMirror -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume -Plex $gone -Confirm:$false | Out-Null
    Write-Files $mount 'replaced' 2

    # Grown while mounted; the filesystem sees the space through a new connection, then grows online.
    Resize-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume -Size $GrowTo | Out-Null
    Write-Files $mount 'grown' 2
    Invoke-Native umount @($mount) | Out-Null
    $mounted = $false
    Disconnect-Volume $connection
    $connection = Connect-Volume $Node (Join-Path $work 'fuse2')
    Invoke-Native mount @($connection.Loop, $mount) | Out-Null
    $mounted = $true
    $online = & resize2fs $connection.Loop 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) {
        # Online resizing needs CAP_SYS_RESOURCE, which a container may not grant: grow it unmounted instead.
        Write-Verbose "online resize2fs refused ($($online.Trim() -replace '\s+', ' ')); resizing unmounted"
        Invoke-Native umount @($mount) | Out-Null
        $mounted = $false
        Invoke-Native e2fsck @('-f', '-p', $connection.Loop) | Out-Null
        Invoke-Native resize2fs @($connection.Loop) | Out-Null
        Invoke-Native mount @($connection.Loop, $mount) | Out-Null
        $mounted = $true
    }
    $blocks = [long](Invoke-Native stat @('-f', '-c', '%b*%S', $mount)).Trim().Split('*')[0]
    $fsBytes = $blocks * [long](Invoke-Native stat @('-f', '-c', '%S', $mount)).Trim()
    Write-Files $mount 'after' 2
    $written = @(Get-Hashes $mount)
    Invoke-Native umount @($mount) | Out-Null
    $mounted = $false
    Disconnect-Volume $connection

    # Checked through another node: fsck -n (no changes) clean, then mounted read-only and every file compared.
    $connection = Connect-Volume $CheckNode (Join-Path $work 'fuse3')
    $fsck = & e2fsck -f -n $connection.Loop 2>&1 | Out-String
    $fsckExit = $LASTEXITCODE
    Invoke-Native mount @('-o', 'ro', $connection.Loop, $mount) | Out-Null
    $mounted = $true
    $readBack = @(Get-Hashes $mount)
    [pscustomobject]@{
        Volume          = Get-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume
        FilesystemBytes = $fsBytes
        Files           = $written
        IdenticalOn     = if (-not (Compare-Object $written $readBack)) { $CheckNode } else { $null }
        FsckExitCode    = $fsckExit
        Fsck            = $fsck.Trim()
    }
}
finally {
    if ($mounted) { umount $mount }
    if ($connection) { Disconnect-Volume $connection }
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
