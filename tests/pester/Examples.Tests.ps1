#Requires -Modules Pester
# The example scripts in examples/, run as written against a fresh 3-node local cluster, so they cannot rot.
# They run in order on one cluster: each leaves the state the next one starts from
# (dg01 on d01, d02 with v1; d01 replaced by d05; v1 grown over d03, d04; n3 lost and recovered).

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:examples = Join-Path $PSScriptRoot '..' '..' 'examples'
    $script:cluster = New-TestCluster -Transport Local
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'examples/' {
    It 'New-MirroredVolume.ps1 creates a two-way mirror on the connected cluster and reads back what it wrote' {
        $volume = & (Join-Path $examples 'New-MirroredVolume.ps1') -DiskGroup dg01 -Disk d01, d02 -Volume v1 -Size 16MB

        $volume.Name | Should -Be 'v1'
        @($volume.Plexes).Count | Should -Be 2
        @($volume.Plexes.Disks | Sort-Object -Unique) | Should -Be @('d01', 'd02')
        $text = [Text.Encoding]::UTF8.GetString((Read-VmVolume -DiskGroup dg01 -Volume v1 -Offset 0 -Length 9 -Node n3))
        $text | Should -Be 'volume v1'
        Assert-ClusterConsistent -Cluster $cluster | Should -BeGreaterThan 0
    }

    It 'Replace-Disk.ps1 moves every plex off the old disk and takes the old disk out of the group' {
        $onOld = @(Get-VmPlex -DiskGroup dg01 | Where-Object Disks -Contains 'd01')
        $onOld.Count | Should -BeGreaterThan 0

        $group = & (Join-Path $examples 'Replace-Disk.ps1') -Cluster $cluster -DiskGroup dg01 -OldDisk d01 -NewDisk d05 -Confirm:$false

        $group.Disks | Should -Not -Contain 'd01'
        $group.Disks | Should -Contain 'd05'
        @(Get-VmPlex -DiskGroup dg01 | Where-Object Disks -Contains 'd01') | Should -BeNullOrEmpty
        @((Get-VmVolume -DiskGroup dg01 -Name v1).Plexes).Count | Should -Be 2
        (Get-VmDisk -Name d01).DiskGroup | Should -BeNullOrEmpty
        [Text.Encoding]::UTF8.GetString((Read-VmVolume -DiskGroup dg01 -Volume v1 -Offset 0 -Length 9 -Node n3)) | Should -Be 'volume v1'
        Assert-ClusterConsistent -Cluster $cluster | Should -BeGreaterThan 0
    }

    It 'Grow-Volume.ps1 adds a disk when the group is short of space, grows the volume and keeps its data' {
        $free = (Get-VmDiskGroup -Name dg01).FreeBytes
        $target = (Get-VmVolume -DiskGroup dg01 -Name v1).Size + $free / 2 + 8MB   # two plexes: 16 MB more than is free

        $grown = & (Join-Path $examples 'Grow-Volume.ps1') -Cluster $cluster -DiskGroup dg01 -Volume v1 -Size $target -AddDisk d03, d04

        $grown.Size | Should -BeGreaterOrEqual $target
        @((Get-VmDiskGroup -Name dg01).Disks | Sort-Object) | Should -Be @('d02', 'd03', 'd04', 'd05')
        [Text.Encoding]::UTF8.GetString((Read-VmVolume -DiskGroup dg01 -Volume v1 -Offset 0 -Length 9 -Node n2)) | Should -Be 'volume v1'
        Assert-ClusterConsistent -Cluster $cluster | Should -BeGreaterThan 0
    }

    It 'Recover-NodeLoss.ps1 waits for the eviction, lets changes go on, and brings the node back caught up' {
        $agent = (Get-VmNode -Name n3).AgentProcessId
        Stop-Process -Id $agent -Force
        Wait-Until { (Get-VmNode -Name n3).State -in 'Down', 'Left' } -Because 'n3 to be seen Down once its agent is gone'

        $shown = & (Join-Path $examples 'Recover-NodeLoss.ps1') -Cluster $cluster -Node n3 -Timeout 00:00:30 -WhileAway {
            New-VmVolume -Cluster $cluster -DiskGroup dg01 -Name v9 -Size 4MB
        } 6>&1
        $node = @($shown | Where-Object { $_ -is [VolumeManager.Cmdlets.Objects.VmNode] })

        ($shown | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }) -join "`n" | Should -Match 'n3\s+Slave\s+Left'
        $node.Count | Should -Be 1
        $node[0].State | Should -Be 'Joined'
        (Get-VmVolume -DiskGroup dg01 -Name v9 -Node n3).Name | Should -Be 'v9'
        Assert-ClusterConsistent -Cluster $cluster | Should -BeGreaterThan 0
    }
}
