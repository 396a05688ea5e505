#Requires -Modules Pester
# Objects of one type piped into the commands of another bind by property name (DiskGroup, Volume, Name, Node),
# on a real 3-node local cluster.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
}

Describe 'Pipeline binding across object types' {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport Local
        New-VmDiskGroup -Name dg -Disk d01, d02 -Shared | Out-Null
        New-VmVolume -DiskGroup dg -Name pa -Size 4MB -Mirror 2 | Out-Null
        New-VmVolume -DiskGroup dg -Name pb -Size 4MB | Out-Null
    }
    AfterAll {
        $script:cluster | Remove-TestCluster
    }

    It 'Get-VmDiskGroup dg | Get-VmVolume | Resize-VmVolume resizes every volume of the group' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $resized = @(Get-VmDiskGroup dg | Get-VmVolume | Resize-VmVolume -Size 8MB)
        @($resized.Name | Sort-Object) | Should -Be @('pa', 'pb')
        $resized | ForEach-Object { $_.Size | Should -Be 8MB }
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 2)
        @(Get-VmVolume -DiskGroup dg -Node n3 | Where-Object Size -eq 8MB).Count | Should -Be 2
    }

    It 'Get-VmVolume | Get-VmPlex lists the plexes of the piped volumes only' {
        $plexes = @(Get-VmVolume -DiskGroup dg -Name pa | Get-VmPlex)
        $plexes.Count | Should -Be 2
        $plexes | ForEach-Object { $_.Volume | Should -Be 'pa'; $_.DiskGroup | Should -Be 'dg' }
    }

    It 'Get-VmPlex | Remove-VmMirror removes the piped plex' {
        $plex = Get-VmPlex -DiskGroup dg -Volume pa | Select-Object -Last 1
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $plex | Remove-VmMirror -Confirm:$false
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        @(Get-VmPlex -DiskGroup dg -Volume pa -Node n2).Name | Should -Not -Contain $plex.Name
    }

    It 'Get-VmDisk d03 | Add-VmDisk -DiskGroup dg adds the piped disk' {
        $group = Get-VmDisk d03 | Add-VmDisk -DiskGroup dg
        $group.Disks | Should -Contain 'd03'
        (Get-VmDisk d03 -Node n3).DiskGroup | Should -Be 'dg'
    }

    It 'Get-VmVolume | Resize-VmVolume -AsJob starts one job per piped volume' {
        $jobs = @(Get-VmVolume -DiskGroup dg | Resize-VmVolume -Size 12MB -AsJob)
        $jobs.Count | Should -Be 2
        $sizes = @($jobs | Receive-Job -Wait -AutoRemoveJob | ForEach-Object Size)
        $sizes | Should -Be @(12MB, 12MB)
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }
}
