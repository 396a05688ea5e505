# The module's root: the private load context must be hooked before PowerShell inspects the cmdlet
# types (they implement engine interfaces that live in bin/), so load the assembly, register, import.
$null = [System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'VolumeManager.dll'))
[VolumeManager.Cmdlets.ModuleInitializer]::Register()
# By path, not -Assembly: a second import (-Force, or after Remove-Module) of an assembly object comes back as an
# anonymous dynamic module whose cmdlets the root no longer exports.
Import-Module (Join-Path $PSScriptRoot 'VolumeManager.dll') -Force
Export-ModuleMember -Cmdlet '*'
