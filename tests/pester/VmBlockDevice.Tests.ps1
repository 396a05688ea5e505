#Requires -Modules Pester
# As root (FUSE, loop devices, mount): a plex whose disk returns I/O errors (nbdkit's error filter behind nbdfuse,
# as in PLATFORM.md) while reads fail over to the other plex; and ext4 on a mirrored volume while the mirror is
# replaced and the volume grown (examples/Filesystem-OnVolume.ps1). Skipped, saying so, when not root or when
# nbdkit, nbdfuse, qemu-io or e2fsprogs is missing.

BeforeDiscovery {
    $script:skipWhy = if ((id -u) -ne '0') { 'not root (FUSE and loop devices need root)' }
        elseif ($m = @('nbdkit', 'nbdfuse', 'qemu-io', 'fusermount3', 'mkfs.ext4', 'losetup') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }) { "$($m -join ', ') not installed" }
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    if ($script:skipWhy) { Write-Warning "block-device tests skipped: $script:skipWhy."; return }
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ('vmblk-' + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    $null = New-Item -ItemType Directory -Path (Join-Path $temp 'mnt')

    # A disk that fails on demand: nbdkit serves an image through its error filter, nbdfuse shows it as a file.
    # While the trigger file exists every read and write of that file fails with EIO.
    $script:trigger = Join-Path $temp 'trigger'
    $bad = Join-Path $temp 'bad.img'
    $healthy = Join-Path $temp 'healthy.img'
    truncate -s 64M $bad $healthy
    nbdkit --unix (Join-Path $temp 'kit.sock') -P (Join-Path $temp 'kit.pid') --filter=error file $bad `
        error-rate=100% "error-file=$trigger" error=EIO
    $script:failing = Join-Path $temp 'mnt' 'disk'
    $script:fuse = Start-Process nbdfuse -PassThru -ArgumentList $failing, '--unix', (Join-Path $temp 'kit.sock')
    Wait-Until { Test-Path $failing } -Because 'nbdfuse to show the export as a file'

    $script:cluster = Start-VmLocalCluster -Path (Join-Path $temp 'cluster') -NodeCount 2 -Disk $failing, $healthy -FailureTimeout 00:00:04
    New-VmDiskGroup -Name dgf -Disk d01, d02 -Shared | Out-Null

}

AfterAll {
    if ($script:skipWhy) { return }
    Remove-Item $script:trigger -ErrorAction Ignore
    $script:cluster | Remove-TestCluster
    fusermount3 -u (Join-Path $script:temp 'mnt')
    if ($script:fuse -and -not $script:fuse.HasExited) { Stop-Process -Id $script:fuse.Id -Force -ErrorAction Ignore }   # fusermount3 -u may end it meanwhile
    $kit = Join-Path $script:temp 'kit.pid'
    if (Test-Path $kit) { Stop-Process -Id ([int](Get-Content $kit)) -Force -ErrorAction Ignore }
    Remove-Item $script:temp -Recurse -Force -ErrorAction Ignore
}

Describe 'A plex whose disk fails' -Skip:([bool]$script:skipWhy) {
    It 'serves reads from the other plex when one plex''s disk returns EIO, and the kernel records the error for that plex' {
        (Get-VmDisk -Name d01).Path | Should -Match 'd01-disk$' -Because 'd01 is the nbdfuse file of the failing disk'
        New-VmVolume -DiskGroup dgf -Name m -Size 16MB -Mirror 2 | Out-Null
        $plexes = (Get-VmVolume -DiskGroup dgf -Name m).Plexes
        $plexes[0].Disks | Should -Be @('d01') -Because 'reads go to the first active plex: the one on the failing disk'
        $uri = (Get-VmVolume -DiskGroup dgf -Name m -Node n2).NbdUri
        qemu-io -f raw -c 'write -P 0x6b 1M 256k' $uri | Out-String | Should -Match 'wrote 262144/262144'
        dd "if=$script:failing" iflag=nocache count=0 2>$null   # drop the FUSE file's cached pages: the next read reaches the disk

        New-Item -ItemType File $script:trigger | Out-Null
        try {
            $read = qemu-io -f raw -c 'read -P 0x6b 1M 256k' $uri 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $read
            $read | Should -Match 'read 262144/262144'
        }
        finally { Remove-Item $script:trigger }
        $errors = @((Get-KernelReport $script:cluster n2).ioErrors | Where-Object { $_.volume -eq 'm' })
        $errors.Count | Should -BeGreaterThan 0 -Because 'the failing disk was read'
        $errors[0].plex | Should -Be $plexes[0].Name
        $errors[0].disk | Should -Be 'd01'
        $errors[0].operation | Should -Be 'Read'
        $errors[0].servedFrom | Should -Be $plexes[1].Name
    }
}

Describe 'ext4 on a mirrored volume' -Skip:([bool]$script:skipWhy) {
    BeforeAll {
        $script:fsCluster = New-TestCluster -Transport Local -NodeCount 2 -DiskCount 3
    }
    AfterAll {
        $script:fsCluster | Remove-TestCluster
    }

    It 'stays clean while its mirror is replaced and the volume grown under it: fsck -n clean, files identical through the other node' {
        $example = Join-Path $PSScriptRoot '..' '..' 'examples' 'Filesystem-OnVolume.ps1'
        $result = & $example -Cluster $script:fsCluster -DiskGroup dgfs -Disk d01, d02, d03 -Volume fs -Size 24MB -GrowTo 40MB -Node n1 -CheckNode n2
        $result.FsckExitCode | Should -Be 0 -Because $result.Fsck
        $result.IdenticalOn | Should -Be 'n2'
        $result.Files.Count | Should -Be 12
        $result.FilesystemBytes | Should -BeGreaterThan 30MB -Because 'resize2fs grew the filesystem past the first 24 MB'
        $result.Volume.Size | Should -Be 40MB
        @($result.Volume.Plexes).Count | Should -Be 2
        $result.Volume.Plexes.State | Should -Be @('Active', 'Active')
        losetup -a | Out-String | Should -Not -Match 'vmfs-' -Because 'the example detaches its loop devices'
    }
}
