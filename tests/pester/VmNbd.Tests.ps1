#Requires -Modules Pester
# Volumes as NBD block devices, through clients nobody here wrote: nbdinfo, qemu-io and nbdcopy (libnbd-bin,
# qemu-utils) against each node's NbdUri. Skipped, saying so, where those programs are not installed.

BeforeDiscovery {
    $script:missing = @('nbdinfo', 'nbdcopy', 'qemu-io') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:missing = @('nbdinfo', 'nbdcopy', 'qemu-io') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }
    if ($script:missing) { Write-Warning "NBD client tests skipped: $($script:missing -join ', ') not installed (apt-get install libnbd-bin qemu-utils)."; return }
    $script:cluster = New-TestCluster -Transport Local -DiskCount 8
    $script:temp = Split-Path $script:cluster.Path
    New-VmDiskGroup -Name dgn -Disk d01, d02, d03, d04, d05, d06, d07, d08 -Shared | Out-Null

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
}
