#Requires -Modules Pester
# Export-VmDiskGroup / Import-VmDiskGroup: a group leaves the configuration and comes back from its disks' copies,
# also after every node's state directory is gone.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Local -DiskCount 5
    $script:root = Split-Path $script:cluster.Path
    New-VmDiskGroup -Name dgx -Disk d01, d02, d03 -Shared | Out-Null
    New-VmVolume -DiskGroup dgx -Name span -Size 150MB | Out-Null

    $script:data = [byte[]]::new(2MB)
    [Random]::new(7).NextBytes($script:data)
    # Two writes that each cross from one disk's subdisk into the next: 63 MiB of public space per disk.
    $script:offsets = 62MB, 125MB
    foreach ($offset in $script:offsets) { Write-VmVolume -DiskGroup dgx -Volume span -Offset $offset -InputObject $script:data -Node n1 }

    function Assert-DataIntact([string] $Node) {
        foreach ($offset in $script:offsets) {
            $back = Read-VmVolume -DiskGroup dgx -Volume span -Offset $offset -Length $script:data.Length -Node $Node
            [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($script:data)) -Because "the bytes at $offset were acknowledged"
        }
    }

    function Get-DiskImage([string] $Name) { Join-Path $script:root 'disks' "$Name.img" }

    function Read-Region([string] $Name) {
        $stream = [IO.File]::Open((Get-DiskImage $Name), 'Open', 'Read', 'ReadWrite')
        try { $bytes = [byte[]]::new(1MB); $stream.ReadExactly($bytes); , $bytes } finally { $stream.Dispose() }
    }

    function Write-Region([string] $Name, [byte[]] $Bytes) {
        $stream = [IO.File]::Open((Get-DiskImage $Name), 'Open', 'ReadWrite', 'ReadWrite')
        try { $stream.Write($Bytes, 0, $Bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Export-VmDiskGroup' {
    It 'deports the group from every node and leaves its disks marked Deported' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Export-VmDiskGroup -Name dgx -Confirm:$false
        foreach ($node in 'n1', 'n2', 'n3') { Get-VmDiskGroup -Node $node | Where-Object Name -eq dgx | Should -BeNullOrEmpty }
        (Get-VmDisk d01, d02, d03).State | Should -Be @('Deported', 'Deported', 'Deported')
        (Get-VmDisk d01).DiskGroup | Should -Be 'dgx'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
    }

    It 'refuses a new group on a deported disk and says how to bring the group back' {
        New-VmDiskGroup -Name grab -Disk d01 -Shared -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskInUse,*'
        $err[0].ToString() | Should -Match 'Import-VmDiskGroup dgx'
    }
}

Describe 'Import-VmDiskGroup' {
    It 'brings the deported group back with its volume, and the data reads through every node' {
        $group = Import-VmDiskGroup -Name dgx -Confirm:$false
        $group.Name | Should -Be 'dgx'
        $group.Shared | Should -BeTrue
        (Get-VmVolume -DiskGroup dgx -Name span).Size | Should -Be 150MB
        (Get-VmDisk d01).State | Should -Be 'InUse'
        Assert-DataIntact -Node n3
        Assert-DataIntact -Node n2
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'rebuilds the group from the disks alone after every state directory is deleted: the highest valid generation wins and a damaged copy is named' {
        $older = Read-Region d03                               # d03's copy as it is now ...
        Resize-VmVolume -DiskGroup dgx -Name span -Size 160MB | Out-Null   # ... then every copy moves on a generation
        Write-Region d03 $older                                # d03 goes back to the older, still valid copy
        $damaged = Read-Region d02
        $damaged[8KB + 40 + 5] = $damaged[8KB + 40 + 5] -bxor 0x20   # a flipped bit inside d02's configuration copy
        Write-Region d02 $damaged

        Stop-VmLocalCluster -Cluster $script:cluster
        foreach ($node in 'n1', 'n2', 'n3') { Remove-Item -Recurse -Force (Join-Path $script:root 'nodes' $node 'state') }
        $script:cluster = Start-VmLocalCluster -Path $script:root
        Get-VmDiskGroup | Should -BeNullOrEmpty -Because 'no node remembers any disk group'

        $group = Import-VmDiskGroup -Name dgx -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $group.Name | Should -Be 'dgx'
        (Get-VmVolume -DiskGroup dgx -Name span).Size | Should -Be 160MB -Because 'the newest copy (on d01) records the grown volume'
        ($warnings -join "`n") | Should -Match "disk 'd02'.*fails its checksum"
        ($warnings -join "`n") | Should -Match "disk 'd03'.*older copy"
        Assert-DataIntact -Node n2
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'rewrote every copy at import, so a second deport and import reads no damaged or older copy' {
        Export-VmDiskGroup -Name dgx -Confirm:$false
        Import-VmDiskGroup -Name dgx -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Should -BeNullOrEmpty
        Assert-DataIntact -Node n1
    }

    It 'refuses a name that no disk carries, changing nothing' {
        $before = Get-GenerationMap -Cluster $script:cluster
        Import-VmDiskGroup -Name nosuch -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskGroupNotFound,*'
        $err[0].ToString() | Should -Match "No visible disk belongs to a disk group named 'nosuch'"
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'refuses a group that is already imported, changing nothing' {
        $before = Get-GenerationMap -Cluster $script:cluster
        Import-VmDiskGroup -Name dgx -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskGroupNameExists,*'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'changes nothing under -WhatIf' {
        Export-VmDiskGroup -Name dgx -WhatIf
        Get-VmDiskGroup -Name dgx | Should -Not -BeNullOrEmpty
    }
}
