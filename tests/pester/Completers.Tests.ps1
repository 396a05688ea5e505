#Requires -Modules Pester
# Tab completion of live names: TabExpansion2 against a real 3-node local cluster.

BeforeDiscovery {
    Import-Module VolumeManager -ErrorAction Stop
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force

    # What TabExpansion2 offers at the end of a command line.
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}

Describe 'Every name parameter has a completer' {
    It '<Command> -<Parameter>' -ForEach @(
        Get-Command -Module VolumeManager -CommandType Cmdlet | ForEach-Object {
            $command = $_
            # Start-VmLocalCluster -Disk takes paths: PowerShell's own file completion serves it.
            $command.Parameters.Values | Where-Object { $_.Name -in 'Node', 'DiskGroup', 'Volume', 'Disk', 'Plex' -and $_.ParameterType -in [string], [string[]] } |
                Where-Object { -not ($command.Name -eq 'Start-VmLocalCluster' -and $_.Name -eq 'Disk') } |
                ForEach-Object { @{ Command = $command.Name; Parameter = $_.Name; Attributes = $_.Attributes } }
        }
    ) {
        @($Attributes | Where-Object { $_ -is [ArgumentCompleter] }).Count | Should -Be 1
    }
}

Describe 'Completion of live names' {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport Local
        New-VmDiskGroup -Name alpha -Disk d01, d02 -Shared | Out-Null
        New-VmDiskGroup -Name beta -Disk d03 -Shared | Out-Null
        New-VmVolume -DiskGroup alpha -Name va1 -Size 8MB -Mirror 2 | Out-Null
        New-VmVolume -DiskGroup alpha -Name va2 -Size 8MB | Out-Null
        New-VmVolume -DiskGroup beta -Name vb1 -Size 8MB | Out-Null
        $script:plexes = @((Get-VmPlex -DiskGroup alpha -Volume va1).Name | Sort-Object)
        $script:freeDisks = @((Get-VmDisk | Where-Object { -not $_.DiskGroup }).Name | Sort-Object)
    }
    AfterAll {
        $script:cluster | Remove-TestCluster
    }

    It 'completes disk group names for -DiskGroup and a disk group -Name' {
        Get-Completion 'Get-VmVolume -DiskGroup ' | Should -Be @('alpha', 'beta')
        Get-Completion 'New-VmVolume -DiskGroup b' | Should -Be @('beta')
        Get-Completion 'Read-VmVolume -DiskGroup ' | Should -Be @('alpha', 'beta')
        Get-Completion 'Get-VmDiskGroup -Name ' | Should -Be @('alpha', 'beta')
        Get-Completion 'Remove-VmDiskGroup -Name a' | Should -Be @('alpha')
    }

    It 'completes the volumes of the disk group already given' {
        Get-Completion 'Remove-VmVolume -DiskGroup alpha -Name ' | Should -Be @('va1', 'va2')
        Get-Completion 'Write-VmVolume -DiskGroup beta -Volume ' | Should -Be @('vb1')
        Get-Completion 'Get-VmVolume -DiskGroup alpha -Name va' | Should -Be @('va1', 'va2')
        Get-Completion 'Resize-VmVolume -DiskGroup alpha -Name ' | Should -Be @('va1', 'va2')
    }

    It 'completes the plexes of the volume already given' {
        $plexes.Count | Should -Be 2
        Get-Completion 'Remove-VmMirror -DiskGroup alpha -Volume va1 -Plex ' | Should -Be $plexes
        Get-Completion 'Get-VmPlex -DiskGroup alpha -Volume va1 -Name ' | Should -Be $plexes
    }

    It 'completes free disks where a disk joins a group, and the group''s disks where one leaves' {
        $freeDisks | Should -Be @('d04', 'd05', 'd06')
        Get-Completion 'Add-VmDisk -DiskGroup alpha -Disk ' | Should -Be $freeDisks
        Get-Completion 'New-VmDiskGroup -Name gamma -Disk ' | Should -Be $freeDisks
        Get-Completion 'Remove-VmDisk -DiskGroup alpha -Disk ' | Should -Be @('d01', 'd02')
        Get-Completion 'Add-VmMirror -DiskGroup beta -Volume vb1 -Disk ' | Should -Be @('d03')
        Get-Completion 'Get-VmDisk -Name d0' | Should -Be @('d01', 'd02', 'd03', 'd04', 'd05', 'd06')
    }

    It 'completes node names for -Node and node -Name' {
        $nodes = @((Get-VmNode).Name | Sort-Object)
        $nodes | Should -Be @('n1', 'n2', 'n3')
        Get-Completion 'Get-VmNode -Name ' | Should -Be $nodes
        Get-Completion 'Get-VmDiskGroup -Node ' | Should -Be $nodes
        Get-Completion 'Read-VmVolume -Node n' | Should -Be $nodes
        Get-Completion 'Get-VmTransaction -Node n2' | Should -Be @('n2')
        Get-Completion 'Remove-VmNode -Name ' | Should -Be $nodes
    }
}
