# The module's root: the private load context must be hooked before PowerShell inspects the cmdlet
# types (they implement engine interfaces that live in bin/), so load the assembly, register, import.
$assembly = [System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'VolumeManager.dll'))
[VolumeManager.Cmdlets.ModuleInitializer]::Register()
Import-Module -Assembly $assembly
Export-ModuleMember -Cmdlet '*'
