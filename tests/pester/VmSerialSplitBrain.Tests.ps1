#Requires -Modules Pester
# Serial split brain and configuration backup. Two sites hold replicas of a disk group's two disks (copies of the
# disk images, as an array's replication leaves them); each site imports its replicas and changes the group; then
# disk d01 of one site and disk d02 of the other are presented together. Presenting a replica is done the way an array
# does it: the image's bytes change in place under the same path, while the group is deported.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("vmssb-" + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    $script:cluster = Start-VmLocalCluster -Path (Join-Path $script:temp 'cluster') -NodeCount 2 -DiskCount 3 -DiskSize 16MB -FailureTimeout 00:00:04
    $script:disks = Join-Path $script:temp 'cluster' 'disks'

    # A whole disk image copied into another file, byte for byte, written in place and flushed.
    function Copy-Image([string] $From, [string] $To) {
        $source = [IO.File]::OpenRead($From)
        try {
            $target = [IO.File]::Open($To, 'OpenOrCreate', 'ReadWrite', 'ReadWrite')
            try { $source.CopyTo($target); $target.Flush($true) } finally { $target.Dispose() }
        }
        finally { $source.Dispose() }
    }

    function Save-Replica([string] $Site, [string] $Disk) {
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $script:temp $Site)
        Copy-Image (Join-Path $script:disks "$Disk.img") (Join-Path $script:temp $Site "$Disk.img")
    }

    function Show-Replica([string] $Site, [string] $Disk) {
        Copy-Image (Join-Path $script:temp $Site "$Disk.img") (Join-Path $script:disks "$Disk.img")
    }

    # The group's generation as its deport stamped it on the disks: the cluster's generation right after the deport.
    function Export-Group {
        Export-VmDiskGroup -Name dgs -Confirm:$false
        (Get-VmCluster).Generation
    }
}

AfterAll {
    if ($script:cluster) { Stop-VmLocalCluster -Cluster $script:cluster -Remove -Confirm:$false }
    Remove-Item -LiteralPath $script:temp -Recurse -Force -ErrorAction Ignore
}

Describe 'Import-VmDiskGroup after a serial split brain' {
    BeforeAll {
        New-VmDiskGroup -Name dgs -Disk d01, d02 -Shared | Out-Null
        New-VmVolume -DiskGroup dgs -Name base -Size 2MB -Mirror 2 | Out-Null
        Export-Group | Out-Null
        Save-Replica siteB d01; Save-Replica siteB d02           # the replicas at site B, split from site A

        Import-VmDiskGroup -Name dgs -Confirm:$false | Out-Null # site A imports its disks and changes the group
        New-VmVolume -DiskGroup dgs -Name sitea -Size 2MB | Out-Null
        $script:generationA = Export-Group
        Save-Replica siteA d01; Save-Replica siteA d02

        Show-Replica siteB d01; Show-Replica siteB d02           # site B imports its replicas and changes the group too
        Import-VmDiskGroup -Name dgs -Confirm:$false | Out-Null
        New-VmVolume -DiskGroup dgs -Name siteb -Size 2MB | Out-Null
        $script:generationB = Export-Group

        Show-Replica siteA d01                                  # d01 from site A, d02 from site B
    }

    It 'refuses the copies that diverged with SerialSplitBrain, listing each side''s disks and generation, changing nothing' {
        $before = Get-GenerationMap -Cluster $script:cluster
        Import-VmDiskGroup -Name dgs -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SerialSplitBrain,*'
        $err[0].TargetObject | Should -Be 'dgs'
        $err[0].ToString() | Should -Match "disk d01 at generation $($script:generationA) "
        $err[0].ToString() | Should -Match "disk d02 at generation $($script:generationB) "
        $err[0].ToString() | Should -Match '-FromDisk'
        $sides = $err[0].Exception.Sides | Sort-Object Generation
        $sides.Count | Should -Be 2
        "$($sides[0].Disks)=$($sides[0].Generation)" | Should -Be "d01=$($script:generationA)"
        "$($sides[1].Disks)=$($sides[1].Generation)" | Should -Be "d02=$($script:generationB)"
        $sides[0].Lineage | Should -Not -Be $sides[1].Lineage
        Get-VmDiskGroup | Where-Object Name -eq dgs | Should -BeNullOrEmpty
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It '-FromDisk imports the chosen side on every node and rewrites the other side''s disk' {
        $group = Import-VmDiskGroup -Name dgs -FromDisk d01 -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $group.Volumes | Sort-Object | Should -Be @('base', 'sitea')
        ($warnings -join "`n") | Should -Match "disk 'd02'.*does not descend.*rewrites it"
        foreach ($node in 'n1', 'n2') { (Get-VmDiskGroup -Name dgs -Node $node).Volumes | Sort-Object | Should -Be @('base', 'sitea') }
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'left both disks on one line: a second deport and import needs no -FromDisk and warns of nothing' {
        Export-Group | Out-Null
        Import-VmDiskGroup -Name dgs -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Should -BeNullOrEmpty
        (Get-VmDiskGroup -Name dgs).Volumes | Sort-Object | Should -Be @('base', 'sitea')
    }

    It 'still supersedes a copy that is only older, with a warning and no error' {
        Export-Group | Out-Null
        Save-Replica older d02                                  # d02 as deported now ...
        Import-VmDiskGroup -Name dgs -Confirm:$false | Out-Null # ... then the group moves on without it
        New-VmVolume -DiskGroup dgs -Name later -Size 2MB | Out-Null
        Export-Group | Out-Null
        Show-Replica older d02
        Import-VmDiskGroup -Name dgs -Confirm:$false -ErrorVariable err -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $err | Should -BeNullOrEmpty
        ($warnings -join "`n") | Should -Match "disk 'd02'.*older copy"
        (Get-VmDiskGroup -Name dgs).Volumes | Sort-Object | Should -Be @('base', 'later', 'sitea')
    }
}

Describe 'Restore-VmDiskGroup' {
    It 'lists the newest five configurations of the group on every node, the same on each' {
        $backups = @(Get-VmDiskGroupBackup -Name dgs)
        foreach ($node in 'n1', 'n2') { @($backups | Where-Object Node -eq $node).Count | Should -Be 5 }
        $newest = ($backups | Where-Object Node -eq n1 | Select-Object -First 1)
        $newest.Generation | Should -Be (Get-VmDiskGroup -Name dgs).Generation
        @($backups | Where-Object Generation -eq $newest.Generation | Select-Object -ExpandProperty ContentHash -Unique).Count | Should -Be 1
    }

    It 'writes an earlier configuration back on every node through a transaction' {
        $kept = (Get-VmDiskGroup -Name dgs).Generation
        Remove-VmVolume -DiskGroup dgs -Name later -Confirm:$false
        New-VmVolume -DiskGroup dgs -Name extra -Size 2MB | Out-Null

        $restored = Restore-VmDiskGroup -Name dgs -Generation $kept -Confirm:$false
        $restored.Volumes | Sort-Object | Should -Be @('base', 'later', 'sitea')
        $generation = Assert-ClusterConsistent -Cluster $script:cluster
        foreach ($node in 'n1', 'n2') {
            $group = Get-VmDiskGroup -Name dgs -Node $node
            $group.Volumes | Sort-Object | Should -Be @('base', 'later', 'sitea')
            $group.Generation | Should -Be $generation
        }
        $hashes = Get-VmDiskGroupBackup -Name dgs | Where-Object Generation -in $kept, $generation
        @($hashes).Count | Should -Be 4
        @($hashes.ContentHash | Sort-Object -Unique).Count | Should -Be 1 -Because 'the restored configuration is the backup''s on both nodes'
    }

    It 'refuses a backup whose disks are not the group''s disks, naming the disk, changing nothing' {
        $kept = (Get-VmDiskGroup -Name dgs).Generation
        Add-VmDisk -DiskGroup dgs -Disk d03 | Out-Null
        $before = Get-GenerationMap -Cluster $script:cluster
        Restore-VmDiskGroup -Name dgs -Generation $kept -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BackupDiskMismatch,*'
        $err[0].ToString() | Should -Match "disk 'd03' .*is not in the backup of generation $kept"
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'changes nothing under -WhatIf' {
        $kept = (Get-VmDiskGroupBackup -Name dgs -Node n1 | Select-Object -Last 1).Generation
        $before = Get-GenerationMap -Cluster $script:cluster
        Restore-VmDiskGroup -Name dgs -Generation $kept -WhatIf
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'refuses a generation no node keeps, listing those it keeps' {
        Restore-VmDiskGroup -Name dgs -Generation 1 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $err[0].ToString() | Should -Match 'keeps no backup of disk group ''dgs'' at generation 1; it keeps generations \d+'
    }
}

Describe 'A node that comes back holding a private disk group imported elsewhere meanwhile' {
    BeforeAll {
        $script:three = New-TestCluster -NodeCount 3 -DiskCount 2
        $script:threeRoot = Split-Path $script:three.Path

        function Read-Region([string] $Disk) {
            $stream = [IO.File]::Open((Join-Path $script:threeRoot 'disks' "$Disk.img"), 'Open', 'Read', 'ReadWrite')
            try { $bytes = [byte[]]::new(1MB); $stream.ReadExactly($bytes); , $bytes } finally { $stream.Dispose() }
        }

        function Write-Region([string] $Disk, [byte[]] $Bytes) {
            $stream = [IO.File]::Open((Join-Path $script:threeRoot 'disks' "$Disk.img"), 'Open', 'ReadWrite', 'ReadWrite')
            try { $stream.Write($Bytes, 0, $Bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
        }

        # n3's agent dies; once the cluster has evicted it, n1 imports the group n3 held as its own.
        function Move-Group([string] $Group) {
            Stop-ProcessTree -Id (Get-VmNode -Cluster $script:three -Name n3).AgentProcessId
            Wait-Until { (Get-VmNode -Cluster $script:three -Name n3).State -eq 'Left' } -Because 'the cluster to evict n3'
            Import-VmDiskGroup -Cluster $script:three -Name $Group -Node n1 -Shared:$false -Confirm:$false | Out-Null
        }

        function Get-AgentLog { Get-Content -Raw (Join-Path (Get-StateDirectory $script:three n3) 'vmconfigd.log') }
    }

    AfterAll {
        $script:three | Remove-TestCluster
    }

    It 'gives the group up when the copies descend from its own, so two nodes never hold it' {
        New-VmDiskGroup -Cluster $script:three -Name pdg -Disk d01 -Node n3 | Out-Null
        New-VmVolume -Cluster $script:three -DiskGroup pdg -Node n3 -Name v1 -Size 8MB | Out-Null
        Move-Group pdg
        New-VmVolume -Cluster $script:three -DiskGroup pdg -Node n1 -Name v2 -Size 8MB | Out-Null

        Add-VmNode -Cluster $script:three -Name n3 | Out-Null
        Wait-Until { (Get-VmNode -Cluster $script:three -Name n3).State -eq 'Joined' } -Because 'n3 to join again'
        Get-VmDiskGroup -Cluster $script:three -Node n3 | Where-Object Name -eq pdg | Should -BeNullOrEmpty
        (Get-VmDiskGroup -Cluster $script:three -Name pdg -Node n1).Volumes | Should -Be @('v1', 'v2')
        Get-AgentLog | Should -Match "node n3 held private disk group 'pdg' .* so the node gives the group up"
    }

    It 'refuses to join with SerialSplitBrain when its configuration and the disks'' diverged' {
        New-VmDiskGroup -Cluster $script:three -Name qdg -Disk d02 -Node n3 | Out-Null
        $before = Read-Region d02
        New-VmVolume -Cluster $script:three -DiskGroup qdg -Node n3 -Name q1 -Size 8MB | Out-Null   # n3's last change ...
        Stop-ProcessTree -Id (Get-VmNode -Cluster $script:three -Name n3).AgentProcessId
        Write-Region d02 $before                                                                  # ... never reached the disk
        Wait-Until { (Get-VmNode -Cluster $script:three -Name n3).State -eq 'Left' } -Because 'the cluster to evict n3'
        Import-VmDiskGroup -Cluster $script:three -Name qdg -Node n1 -Shared:$false -Confirm:$false | Out-Null

        { Add-VmNode -Cluster $script:three -Name n3 -ErrorAction Stop } | Should -Throw '*vmconfigd for node n3 exited with code 3*'
        Get-AgentLog | Should -Match "SerialSplitBrain: node n3 holds private disk group 'qdg' at generation \d+ of line \w+, but disk d02 at generation \d+ of line \w+ diverged"
        (Get-VmDiskGroup -Cluster $script:three -Name qdg -Node n1).Volumes | Should -BeNullOrEmpty -Because 'n1 imported the copy without q1'
    }
}
