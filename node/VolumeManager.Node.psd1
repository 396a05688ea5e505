# The node side of VolumeManager: what a node's endpoint offers the cluster's fan-out, and nothing else. A node's
# restricted session configuration (VolumeManager.Node.pssc, written per node) imports this manifest (in node/, so that the module folder holds one manifest) and makes only
# these cmdlets visible; administrators import VolumeManager.psd1, which does not export Invoke-VmAgentRequest.
@{
    RootModule           = '../VolumeManager.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '6b1f0c57-2f5e-4c8e-9d2a-7a43c1e0b2d4'
    Author               = 'VolumeManager engineers'
    CompanyName          = 'VolumeManager'
    Copyright            = '(c) VolumeManager engineers. MIT licence.'
    Description          = 'The node-side commands of VolumeManager, for a node''s restricted remoting endpoint.'
    PowerShellVersion    = '7.6'
    # The type data gives VmNodeCheckResult the serialization depth its checks need on the way back to the initiator.
    TypesToProcess       = @('../formats/VolumeManager.Types.ps1xml')
    CmdletsToExport      = @('Test-VmProposal', 'Invoke-VmKernelCommit', 'Invoke-VmAgentRequest', 'Install-VmClusterDefinition')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
}
