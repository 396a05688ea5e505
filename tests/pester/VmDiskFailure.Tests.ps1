#Requires -Modules Pester
# Disk failures, caused for real beneath the agent: nbdkit serves disk images through its error and delay filters,
# nbdfuse shows each as a file, and Start-VmLocalCluster -Disk hands those files to the agents. Touching a filter's
# trigger file makes that disk fail writes (or everything) with EIO. As root (FUSE); skipped, saying so, elsewhere.

BeforeDiscovery {
    $script:skipWhy = if ((id -u) -ne '0') { 'not root (FUSE needs root)' }
        elseif ($m = @('nbdkit', 'nbdfuse', 'qemu-io', 'fio', 'fusermount3') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }) { "$($m -join ', ') not installed" }
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    if ($script:skipWhy) { Write-Warning "disk failure tests skipped: $script:skipWhy."; return }
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ('vmdf-' + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    $null = New-Item -ItemType Directory -Path $temp
    $script:kits = [Collections.Generic.List[object]]::new()

    # Serves $Image through nbdkit with $Filter (the --filter option first, then its parameters), shown as a file by nbdfuse under mnt-$Name.
    function Start-FaultyDisk([string] $Name, [string] $Image, [string[]] $Filter) {
        $mount = Join-Path $script:temp "mnt-$Name"
        $null = New-Item -ItemType Directory -Path $mount
        $socket = Join-Path $script:temp "$Name.sock"
        $pidFile = Join-Path $script:temp "$Name.pid"
        nbdkit --unix $socket -P $pidFile $Filter[0] file $Image @($Filter | Select-Object -Skip 1)
        $file = Join-Path $mount 'disk'
        # nbdfuse reports each failed request on stderr: expected here, kept out of the test output.
        $fuse = Start-Process nbdfuse -PassThru -ArgumentList $file, '--unix', $socket -RedirectStandardError (Join-Path $script:temp "$Name.fuse.err")
        $script:kits.Add([pscustomobject]@{ Mount = $mount; Fuse = $fuse; PidFile = $pidFile })
        Wait-Until { Test-Path $file } -Because "nbdfuse to show $Name as a file"
        $file
    }

    $images = 'bad', 'good', 'spare', 'local', 'local2', 'slow' | ForEach-Object { Join-Path $temp "$_.img" }
    truncate -s 64M @images
    # d01 fails writes while the trigger exists; d04 fails everything, but only on node n2's path to it (below);
    # d06 answers every request half a second late.
    $script:writeTrigger = Join-Path $temp 'write-trigger'
    $failing = Start-FaultyDisk 'bad' $images[0] @('--filter=error', 'error-pwrite-rate=100%', "error-pwrite-file=$writeTrigger", 'error=EIO')
    $slow = Start-FaultyDisk 'slow' $images[5] @('--filter=delay', 'delay-write=500ms', 'delay-read=200ms')
    $script:cluster = Start-VmLocalCluster -Path (Join-Path $temp 'cluster') -NodeCount 3 `
        -Disk $failing, $images[1], $images[2], $images[3], $images[4], $slow -FailureTimeout 00:00:04

    # Node n2 reaches d04 only through a filter that fails every request while its own trigger exists.
    $script:pathTrigger = Join-Path $temp 'path-trigger'
    $n2Path = Start-FaultyDisk 'local' $images[3] @('--filter=error', 'error-rate=100%', "error-file=$pathTrigger", 'error=EIO')
    $link = Get-ChildItem (Join-Path $temp 'cluster' 'nodes' 'n2' 'dev') -Filter 'd04-*'
    Remove-Item $link.FullName
    $null = New-Item -ItemType SymbolicLink -Path $link.FullName -Target $n2Path

    function Get-Uri([string] $Volume, [string] $Node) { (Get-VmVolume -DiskGroup dgf -Name $Volume -Node $Node).NbdUri }
    function Invoke-Fio([string[]] $Arguments) {
        $out = Join-Path $script:temp ('fio-' + [Guid]::NewGuid().ToString('N').Substring(0, 6))
        $p = Start-Process fio -PassThru -Wait -RedirectStandardOutput $out -RedirectStandardError "$out.err" -ArgumentList $Arguments
        [pscustomobject]@{ ExitCode = $p.ExitCode; Report = (Get-Content $out -Raw) + (Get-Content "$out.err" -Raw) }
    }
}

AfterAll {
    if ($script:skipWhy) { return }
    Remove-Item $script:writeTrigger, $script:pathTrigger -ErrorAction Ignore
    $script:cluster | Remove-TestCluster
    foreach ($kit in $script:kits) {
        fusermount3 -u $kit.Mount
        if (-not $kit.Fuse.HasExited) { Stop-Process -Id $kit.Fuse.Id -Force -ErrorAction Ignore }   # fusermount3 -u may end it meanwhile
        if (Test-Path $kit.PidFile) { Stop-Process -Id ([int](Get-Content $kit.PidFile)) -Force -ErrorAction Ignore }
    }
    Remove-Item $script:temp -Recurse -Force -ErrorAction Ignore
}

Describe 'A disk that starts failing writes under a mirror (detach policy Global)' -Skip:([bool]$script:skipWhy) {
    BeforeAll {
        New-VmDiskGroup -Name dgf -Disk d01, d02, d03 -Shared | Out-Null
        Set-VmDisk -DiskGroup dgf -Name d03 -Spare $true
        New-VmVolume -DiskGroup dgf -Name m -Size 16MB -Mirror 2 | Out-Null
        $script:plexes = (Get-VmVolume -DiskGroup dgf -Name m).Plexes
        $script:failingPlex = ($plexes | Where-Object { $_.Disks -contains 'd01' }).Name
        # fio's write pass and its later check of every block must be the same job but for the URI.
        $script:job = '--name=fill', '--ioengine=nbd', '--rw=write', '--bs=64k', '--size=16M', '--verify=crc32c', '--verify_state_save=0'
    }

    It 'keeps the spare out of new volumes' {
        $plexes.Disks | Sort-Object | Should -Be @('d01', 'd02')
        (Get-VmDisk -Name d03).Spare | Should -BeTrue
    }

    It 'lets fio write on through node 2 without an error while the plex is detached everywhere, relocated to the spare and resynchronised' {
        $out = Join-Path $script:temp 'fio-fill'
        $fio = Start-Process fio -PassThru -RedirectStandardOutput $out -RedirectStandardError "$out.err" `
            -ArgumentList ($job + "--uri=$(Get-Uri m n2)" + '--rate=4m' + '--do_verify=0')
        try {
            Start-Sleep -Milliseconds 1500
            $fio.HasExited | Should -BeFalse -Because 'the disk must fail while fio writes'
            New-Item -ItemType File $script:writeTrigger | Out-Null
            $fio.WaitForExit()
        }
        finally { if (-not $fio.HasExited) { Stop-Process -Id $fio.Id -Force } }
        $report = (Get-Content $out -Raw) + (Get-Content "$out.err" -Raw)
        $fio.ExitCode | Should -Be 0 -Because $report
        $report | Should -Match 'err= 0'

        Wait-Until -Timeout 00:01:00 -Because 'the detached plex to be relocated and resynchronised' {
            $p = Get-VmPlex -DiskGroup dgf -Volume m -Name $script:failingPlex
            $p.State -eq 'Active' -and $p.Disks -contains 'd03'
        }
        $moved = Get-VmPlex -DiskGroup dgf -Volume m -Name $failingPlex
        $moved.Disks | Should -Be @('d03') -Because 'the hot spare took the failed disk''s place'
        $moved.Subdisks.RelocatedFrom | Should -Be @('d01')
        (Get-VmDisk -Name d01).State | Should -Be 'Failing'
        $copy = Get-VmTask -DiskGroup dgf -Volume m | Where-Object Plex -eq $script:failingPlex | Select-Object -First 1
        $copy.Kind | Should -Be 'Relocation'
        $copy.State | Should -Be 'Completed'
    }

    It 'committed the detach on every node at the same generation, naming the disk and the node that saw the error' {
        $detaches = foreach ($node in 'n1', 'n2', 'n3') {
            Get-VmTransaction -Node $node | Where-Object { $_.Operations -match "detach plex '$script:failingPlex'" -and $_.State -eq 'Committed' }
        }
        @($detaches).Count | Should -Be 3
        @($detaches.Generation | Sort-Object -Unique).Count | Should -Be 1
        $detaches[0].Operations | Should -Match "disk 'd01' failed on node n2"
        $detaches[0].Initiator | Should -Be 'n2'
    }

    It 'leaves the two plexes equal, and every block fio wrote reads back through node 3' {
        $names = (Get-VmVolume -DiskGroup dgf -Name m).Plexes.Name
        Get-PlexHash $script:cluster dgf m $names[0] 16MB | Should -Be (Get-PlexHash $script:cluster dgf m $names[1] 16MB)
        $check = Invoke-Fio ($job + "--uri=$(Get-Uri m n3)" + '--verify_only=1')
        $check.ExitCode | Should -Be 0 -Because $check.Report
        $check.Report | Should -Not -Match 'verify.*(failed|bad)'
        Assert-ClusterConsistent $script:cluster
    }

    It 'moves the plex back once the disk is replaced (Undo-VmRelocation)' {
        Remove-Item $script:writeTrigger
        $back = Undo-VmRelocation -DiskGroup dgf -Volume m -Confirm:$false
        $back.State | Should -Be 'Active'
        $back.Disks | Should -Be @('d01')
        (Get-VmDisk -Name d01).State | Should -Be 'InUse'
        $names = (Get-VmVolume -DiskGroup dgf -Name m).Plexes.Name
        Get-PlexHash $script:cluster dgf m $names[0] 16MB | Should -Be (Get-PlexHash $script:cluster dgf m $names[1] 16MB)
    }
}

Describe 'A path to a disk that fails on one node only (detach policy Local)' -Skip:([bool]$script:skipWhy) {
    BeforeAll {
        New-VmDiskGroup -Name dgl -Disk d04, d05 -Shared -DetachPolicy Local | Out-Null
        New-VmVolume -DiskGroup dgl -Name l -Size 8MB -Mirror 2 | Out-Null
        New-Item -ItemType File $script:pathTrigger | Out-Null
    }
    AfterAll { Remove-Item $script:pathTrigger -ErrorAction Ignore }

    It 'fails I/O on that node with a clear error, lets the others go on, and detaches nothing' {
        $generation = (Get-VmDiskGroup -Name dgl).Generation
        $uri = (Get-VmVolume -DiskGroup dgl -Name l -Node n2).NbdUri
        $failed = qemu-io -f raw -c 'write -P 0x5a 0 64k' $uri 2>&1 | Out-String
        $failed | Should -Match 'Input/output error'
        { Write-VmVolume -DiskGroup dgl -Volume l -Offset 0 -InputObject ([byte[]]::new(4096)) -Node n2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'DiskFailed*' -ExpectedMessage '*stays attached*d04*Local*'

        Write-VmVolume -DiskGroup dgl -Volume l -Offset 0 -InputObject ([byte[]]::new(4096) + 1) -Node n1
        qemu-io -f raw -c 'write -P 0x33 1M 64k' (Get-VmVolume -DiskGroup dgl -Name l -Node n3).NbdUri | Out-String | Should -Match 'wrote 65536/65536'
        (Get-VmPlex -DiskGroup dgl -Volume l).State | Should -Be @('Active', 'Active')
        (Get-VmDiskGroup -Name dgl).Generation | Should -Be $generation -Because 'the detach was refused: nothing changed'
    }

    It 'makes the plexes equal again where the failed write reached only one: a node that reaches both repairs the range' {
        # n2's failed 64 KiB write reached the plex on d05 and not the one on d04; n1 rewrote its first 4 KiB since.
        $names = (Get-VmVolume -DiskGroup dgl -Name l).Plexes.Name
        Wait-Until { (Get-PlexHash $script:cluster dgl l $names[0] 8MB) -eq (Get-PlexHash $script:cluster dgl l $names[1] 8MB) } `
            -Because 'the plexes of l to compare equal after the repair of the failed write'
        (Get-VmPlex -DiskGroup dgl -Volume l).State | Should -Be @('Active', 'Active')
        (Get-VmDiskGroup -Name dgl).Generation | Should -Be (Get-VmDiskGroup -Name dgl -Node n2).Generation
        $repair = Get-VmTask -DiskGroup dgl -Volume l | Where-Object { $_.Kind -eq 'Repair' -and $_.State -eq 'Completed' } | Select-Object -First 1
        $repair | Should -Not -BeNullOrEmpty -Because 'the repair is a task Get-VmTask lists'
        $repair.ForNode | Should -Be 'n2'
        $repair.Node | Should -Not -Be 'n2' -Because 'a node that reaches both plexes repaired the range'
        $repair.DoneBytes | Should -Be $repair.TotalBytes
    }
}

Describe 'A slow disk' -Skip:([bool]$script:skipWhy) {
    It 'makes neither heartbeats nor membership fail while I/O waits on it' {
        New-VmDiskGroup -Name dgs -Disk d06 -Shared | Out-Null
        New-VmVolume -DiskGroup dgs -Name s -Size 8MB | Out-Null
        $epoch = (Get-VmCluster).Epoch
        $uri = (Get-VmVolume -DiskGroup dgs -Name s -Node n2).NbdUri
        $slowIo = Invoke-Fio @('--name=slow', '--ioengine=nbd', "--uri=$uri", '--rw=randwrite', '--bs=4k', '--iodepth=4', '--runtime=6', '--time_based', '--size=8M')
        $slowIo.ExitCode | Should -Be 0 -Because $slowIo.Report
        (Get-VmNode).State | Should -Be @('Joined', 'Joined', 'Joined')
        (Get-VmCluster).Epoch | Should -Be $epoch -Because 'no node was taken for dead while its disk I/O was slow (failure timeout 4 s)'
        New-VmVolume -DiskGroup dgs -Name s2 -Size 4MB | Out-Null
    }
}
