@{
    RootModule           = 'VolumeManager.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '3d0e5b8a-5c1f-4a59-9a77-1f6f0c2f4b11'
    Author               = 'VolumeManager engineers'
    CompanyName          = 'VolumeManager'
    Copyright            = '(c) VolumeManager engineers. MIT licence.'
    Description          = 'A cluster volume manager in the Veritas CVM model: disk groups, disks, volumes, plexes and subdisks changed on every node at once, or on none.'
    # The assemblies target net10.0: pwsh 7.6 is the first that runs on it.
    PowerShellVersion    = '7.6'
    FormatsToProcess     = @('formats/VolumeManager.Format.ps1xml')
    TypesToProcess       = @('formats/VolumeManager.Types.ps1xml')
    CmdletsToExport      = @(
        'Start-VmLocalCluster', 'Stop-VmLocalCluster', 'Connect-VmCluster', 'Disconnect-VmCluster',
        'Get-VmCluster', 'Get-VmNode', 'Add-VmNode', 'Remove-VmNode',
        'Get-VmDisk', 'Initialize-VmDisk',
        'New-VmDiskGroup', 'Get-VmDiskGroup', 'Remove-VmDiskGroup', 'Add-VmDisk', 'Remove-VmDisk',
        'Import-VmDiskGroup', 'Export-VmDiskGroup',
        'New-VmVolume', 'Get-VmVolume', 'Remove-VmVolume', 'Resize-VmVolume',
        'Get-VmPlex', 'Add-VmMirror', 'Remove-VmMirror', 'Get-VmTask',
        'Get-VmTransaction', 'Write-VmVolume', 'Read-VmVolume',
        'Test-VmProposal', 'Invoke-VmKernelCommit',
        'Test-VmConfiguration', 'Invoke-VmConfiguration', 'Export-VmConfiguration',
        'Set-VmDisk', 'Set-VmDiskGroup', 'Undo-VmRelocation',
        'Get-VmDiskGroupBackup', 'Restore-VmDiskGroup',
        'Suspend-VmTask', 'Resume-VmTask', 'Stop-VmTask', 'Set-VmTask'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Storage', 'Cluster', 'VolumeManager', 'CVM', 'Linux')
            ProjectUri   = 'https://example.invalid/volumemanager'
            ReleaseNotes = 'First cut: a real local cluster, disk groups changed through the full reconfiguration protocol.'
        }
    }
}
