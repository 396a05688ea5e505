#Requires -Modules Pester
# Volumes as NBD block devices, through clients nobody here wrote: nbdinfo, qemu-io, nbdcopy and fio (libnbd-bin,
# qemu-utils, fio) against each node's NbdUri, while the configuration changes under them. Skipped, saying so, where those programs are not installed.

BeforeDiscovery {
    $script:missing = @('nbdinfo', 'nbdcopy', 'qemu-io', 'fio') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:missing = @('nbdinfo', 'nbdcopy', 'qemu-io', 'fio') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }
    if ($script:missing) { Write-Warning "NBD client tests skipped: $($script:missing -join ', ') not installed (apt-get install libnbd-bin qemu-utils fio)."; return }
    $script:cluster = New-TestCluster -Transport Local -DiskCount 10
    $script:temp = Split-Path $script:cluster.Path
    New-VmDiskGroup -Name dgn -Disk d01, d02, d03, d04, d05, d06, d07, d08, d09, d10 -Shared | Out-Null

    function Get-Uri([string] $Volume, [string] $Node) { (Get-VmVolume -DiskGroup dgn -Name $Volume -Node $Node).NbdUri }

    # Runs a native client; its output as one string, and a failure when it exits non-zero.
    function Invoke-Client([string] $Program, [string[]] $Arguments) {
        $output = & $Program @Arguments 2>&1 | Out-String
        if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') exited with $LASTEXITCODE`: $output" }
        $output
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Volumes as NBD exports' -Skip:([bool]$script:missing) {
    It 'nbdinfo on every node reports the volume''s size, and an unknown export is refused' {
        New-VmVolume -DiskGroup dgn -Name info -Size 24MB | Out-Null
        foreach ($node in 'n1', 'n2', 'n3') {
            $uri = Get-Uri info $node
            $uri | Should -Match "^nbd\+unix:///dgn/info\?socket=/.+/nodes/$node/state/nbd\.sock$"
            (Invoke-Client nbdinfo @('--size', $uri)).Trim() | Should -Be (24MB).ToString()
        }
        $socket = (Get-Uri info n1) -replace '^.*\?socket=', ''
        (Get-Item $socket).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        $refused = & nbdinfo --size "nbd+unix:///dgn/nope?socket=$socket" 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $refused | Should -Match 'dgn/nope'
        Invoke-Client nbdinfo @('--list', "nbd+unix:///?socket=$socket") | Should -Match 'export="dgn/info"'
    }

    It 'reads back through node 3 with qemu-io what qemu-io wrote through node 1, across a subdisk boundary, on a <Layout> volume' -ForEach @(
        @{ Layout = 'concatenated'; Name = 'concat'; Mirror = 1 }
        @{ Layout = '2-way mirrored'; Name = 'mirror'; Mirror = 2 }
    ) {
        New-VmVolume -DiskGroup dgn -Name $Name -Size 80MB -Mirror $Mirror | Out-Null
        $volume = Get-VmVolume -DiskGroup dgn -Name $Name
        foreach ($plex in $volume.Plexes) { $plex.Subdisks.Count | Should -BeGreaterThan 1 -Because 'an 80 MB plex does not fit one 64 MB disk' }
        $boundary = $volume.Plexes[0].Subdisks[0].Length
        $offset = $boundary - 100KB - 123
        Invoke-Client qemu-io @('-f', 'raw', '-c', "write -P 0xa7 $offset 300000", (Get-Uri $Name n1)) | Should -Match 'wrote 300000/300000'
        $read = Invoke-Client qemu-io @('-f', 'raw', '-c', "read -P 0xa7 $offset 300000", '-c', "read -P 0 $($offset + 300000) 4096", (Get-Uri $Name n3))
        $read | Should -Not -Match 'verification failed'
        $read | Should -Match 'read 300000/300000'
        $read | Should -Match 'read 4096/4096'
        $wrong = & qemu-io -f raw -c "read -P 0xa8 $offset 512" (Get-Uri $Name n2) 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0 -Because 'the pattern check can fail'
        $wrong | Should -Match 'verification failed'
    }

    It 'nbdcopy copies 64 MiB of random bytes into a volume through node 2 and out through node 1, checksums equal' {
        New-VmVolume -DiskGroup dgn -Name copy -Size 64MB -Mirror 2 | Out-Null
        $source = Join-Path $script:temp 'random.bin'
        $back = Join-Path $script:temp 'back.bin'
        $bytes = [byte[]]::new(64MB)
        [Random]::new(11).NextBytes($bytes)
        [IO.File]::WriteAllBytes($source, $bytes)
        Invoke-Client nbdcopy @($source, (Get-Uri copy n2)) | Out-Null
        Invoke-Client nbdcopy @((Get-Uri copy n1), $back) | Out-Null
        (Get-FileHash $back).Hash | Should -Be (Get-FileHash $source).Hash
        Remove-Item $source, $back
    }

    It 'fio verifies every block it wrote through node 2 while node 1 adds a mirror, grows the volume and removes the original plex' {
        New-VmVolume -DiskGroup dgn -Name busy -Size 16MB -Mirror 2 | Out-Null
        $original = (Get-VmVolume -DiskGroup dgn -Name busy).Plexes[0].Name
        $frozenBefore = @((Get-KernelReport $script:cluster n2).freezes).Count
        $out = Join-Path $script:temp 'fio.out'
        # Paced so it outlasts the three changes: random 16 KiB writes, each 16 MB pass then read back and checked.
        $fio = Start-Process fio -PassThru -RedirectStandardOutput $out -RedirectStandardError "$out.err" -ArgumentList @(
            '--name=verify', '--ioengine=nbd', "--uri=$(Get-Uri busy n2)", '--rw=randwrite', '--bs=16k', '--iodepth=8',
            '--size=16M', '--loops=15', '--rate=16m', '--verify=crc32c', '--verify_fatal=1', '--verify_state_save=0')
        try {
            $mirror = Add-VmMirror -DiskGroup dgn -Volume busy
            $mirror.State | Should -Be 'Active'
            (Resize-VmVolume -DiskGroup dgn -Name busy -Size 24MB -Node n1).Size | Should -Be 24MB
            Remove-VmMirror -DiskGroup dgn -Volume busy -Plex $original -Confirm:$false | Out-Null
            $fio.HasExited | Should -BeFalse -Because 'fio was still writing when the last change completed'
            $fio.WaitForExit()
        }
        finally { if (-not $fio.HasExited) { Stop-Process -Id $fio.Id -Force } }
        $report = Get-Content $out -Raw
        $fio.ExitCode | Should -Be 0 -Because ($report + (Get-Content "$out.err" -Raw))
        $report | Should -Match 'err= 0'
        $report | Should -Not -Match 'verify.*(failed|bad)'
        @((Get-KernelReport $script:cluster n2).freezes).Count | Should -BeGreaterThan $frozenBefore -Because 'node 2 froze the group for each change while fio ran'
        $plexes = (Get-VmVolume -DiskGroup dgn -Name busy).Plexes
        $plexes.Count | Should -Be 2
        $plexes.State | Should -Be @('Active', 'Active')
        Get-PlexHash $script:cluster dgn busy $plexes[0].Name 24MB | Should -Be (Get-PlexHash $script:cluster dgn busy $plexes[1].Name 24MB)
    }
}
