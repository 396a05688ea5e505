#Requires -Modules Pester
# Write-VmVolume / Read-VmVolume through the kernels of different nodes, over concatenated and mirrored volumes.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Local
    New-VmDiskGroup -Name dgio -Disk d01, d02, d03, d04 -Shared | Out-Null

    function New-Pattern([int] $Length, [int] $Seed) {
        $bytes = [byte[]]::new($Length)
        [Random]::new($Seed).NextBytes($bytes)
        , $bytes
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Volume I/O through the kernels' {
    It 'reads back through node 3 what node 1 wrote, across the end of one subdisk into the next' {
        New-VmVolume -DiskGroup dgio -Name concat -Size 96MB | Out-Null
        $data = New-Pattern -Length (1MB) -Seed 1
        $offset = 62.5MB
        Write-VmVolume -DiskGroup dgio -Volume concat -Offset $offset -InputObject $data -Node n1
        $back = Read-VmVolume -DiskGroup dgio -Volume concat -Offset $offset -Length $data.Length -Node n3
        [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($data))
    }

    It 'writes every plex of a mirror, so either plex alone serves the data' {
        New-VmVolume -DiskGroup dgio -Name mirror -Size 8MB -Mirror 2 | Out-Null
        $data = New-Pattern -Length (256KB) -Seed 2
        Write-VmVolume -DiskGroup dgio -Volume mirror -Offset 4KB -InputObject $data -Node n2
        [Convert]::ToBase64String((Read-VmVolume -DiskGroup dgio -Volume mirror -Offset 4KB -Length $data.Length -Node n3)) |
            Should -Be ([Convert]::ToBase64String($data))
        $first = ((Get-VmVolume -DiskGroup dgio -Name mirror).Plexes | Select-Object -First 1).Name
        Remove-VmMirror -DiskGroup dgio -Volume mirror -Plex $first -Confirm:$false
        [Convert]::ToBase64String((Read-VmVolume -DiskGroup dgio -Volume mirror -Offset 4KB -Length $data.Length -Node n1)) |
            Should -Be ([Convert]::ToBase64String($data)) -Because 'the remaining plex holds every acknowledged write'
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'keeps the data below the new size when a volume grows and then shrinks' {
        New-VmVolume -DiskGroup dgio -Name elastic -Size 4MB | Out-Null
        $data = New-Pattern -Length (1MB) -Seed 3
        Write-VmVolume -DiskGroup dgio -Volume elastic -Offset 1MB -InputObject $data
        Resize-VmVolume -DiskGroup dgio -Name elastic -Size 40MB | Out-Null
        Resize-VmVolume -DiskGroup dgio -Name elastic -Size 3MB | Out-Null
        [Convert]::ToBase64String((Read-VmVolume -DiskGroup dgio -Volume elastic -Offset 1MB -Length $data.Length -Node n2)) |
            Should -Be ([Convert]::ToBase64String($data))
    }

    It 'refuses I/O past the end of a volume, naming the node' {
        Read-VmVolume -DiskGroup dgio -Volume elastic -Offset 3MB -Length 1 -Node n2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSize,*'
        $err[0].TargetObject | Should -Be 'n2'
        $err[0].ToString() | Should -Match 'past the end'
    }

    It 'refuses I/O to a volume that does not exist' {
        Write-VmVolume -DiskGroup dgio -Volume nosuch -Offset 0 -InputObject ([byte[]](1, 2, 3)) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotFound,*'
    }
}
