<#
.SYNOPSIS
    Compiles help/<Verb-Noun>.yaml into the module's MAML help file, en-US/VolumeManager.dll-Help.xml.

.DESCRIPTION
    Run by build.ps1 in a child pwsh after the module is laid out. The YAML holds the prose only;
    syntax, parameter types, mandatory, position, pipeline input, aliases and parameter sets come
    from the built cmdlets (Get-Command on the imported module). Fails, naming the file, when an
    exported cmdlet has no help file, a parameter has no description, a described parameter does
    not exist, there are fewer than two examples, or an example's code does not parse.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleDir,
    [Parameter(Mandatory)] [string] $HelpDir
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ModuleDir = (Resolve-Path -LiteralPath $ModuleDir).ProviderPath
$HelpDir = (Resolve-Path -LiteralPath $HelpDir).ProviderPath

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$allowedKeys = 'synopsis', 'description', 'parameters', 'examples', 'notes', 'links'
# -WhatIf and -Confirm, and what the change commands' base class gives each of them, are described the same way on every command.
$standardDescriptions = @{
    WhatIf  = 'Shows what would happen if the command ran. The command is not run.'
    Confirm = 'Prompts you for confirmation before running the command.'
    AsJob   = 'Returns a job at once and runs the change in the background; the job has one child job per cluster member with its check result and outcome. Receive-Job returns what the command would have.'
    Timeout = 'How long to wait for another change in progress (a background resynchronisation''s, another administrator''s) to finish before failing with ClusterBusy. Default 10 seconds.'
}
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters +
    [System.Management.Automation.PSCmdlet]::OptionalCommonParameters | Where-Object { $_ -notin $standardDescriptions.Keys }

Add-Type -LiteralPath (Join-Path $ModuleDir 'bin' 'YamlDotNet.dll')
$yaml = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build()
$module = Import-Module (Join-Path $ModuleDir 'VolumeManager.psd1') -PassThru -Force

function Read-HelpSource([string] $Path) {
    $problem = { param($text) throw "help file $([IO.Path]::GetFileName($Path)): $text" }
    try { $data = $yaml.Deserialize[object]((Get-Content -Raw -LiteralPath $Path)) }
    catch { & $problem "not valid YAML: $($_.Exception.InnerException.Message ?? $_.Exception.Message)" }
    if ($data -isnot [Collections.IDictionary]) { & $problem 'the top level must be a mapping (synopsis, description, parameters, examples).' }
    foreach ($key in $data.Keys) { if ($key -notin $allowedKeys) { & $problem "unknown key '$key' (allowed: $($allowedKeys -join ', '))." } }
    foreach ($key in 'synopsis', 'description') { if (-not "$($data[$key])".Trim()) { & $problem "'$key' is missing or empty." } }
    $examples = @($data['examples'] | Where-Object { $_ })
    if ($examples.Count -lt 2) { & $problem "has $($examples.Count) example(s); at least two are needed." }
    foreach ($example in $examples) {
        if (-not "$($example['title'])".Trim() -or -not "$($example['code'])".Trim()) { & $problem 'every example needs a title and code.' }
        $parseErrors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($example['code'], [ref] $null, [ref] $parseErrors)
        if ($parseErrors) { & $problem "the code of example '$($example['title'])' does not parse: $($parseErrors[0].Message)" }
    }
    $data
}

function Get-Description($Source, [string] $Parameter, [string] $File) {
    if ($standardDescriptions.ContainsKey($Parameter)) { return $standardDescriptions[$Parameter] }
    $text = if ($Source['parameters'] -is [Collections.IDictionary]) { "$($Source['parameters'][$Parameter])".Trim() }
    if (-not $text) { throw "help file ${File}: parameter -$Parameter has no description (add it under 'parameters:')." }
    $text
}

function Get-TypeName([type] $Type) {
    $element = $Type.IsArray ? $Type.GetElementType() : $Type
    $name = $element.IsGenericType ? ($element.Name -replace '`\d+$') : $element.Name
    $name + ($Type.IsArray ? '[]' : '')
}

function Test-Visible($ParameterInfo) {
    $ParameterInfo.Name -notin $commonParameters -and
        -not @($ParameterInfo.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count
}

function Get-PipelineText([bool] $ByValue, [bool] $ByName) {
    if ($ByValue -and $ByName) { 'True (ByValue, ByPropertyName)' }
    elseif ($ByValue) { 'True (ByValue)' }
    elseif ($ByName) { 'True (ByPropertyName)' }
    else { 'False' }
}

function Write-Paragraphs([Xml.XmlWriter] $Writer, [string] $Element, [string] $Ns, [string] $Text) {
    $Writer.WriteStartElement($Element, $Ns)
    foreach ($para in ($Text.Trim() -split '\r?\n\s*\r?\n')) {
        $Writer.WriteElementString('para', $maml, ($para -replace '\r?\n', ' ').Trim())
    }
    $Writer.WriteEndElement()
}

# One <command:parameter>: $Info is a CommandParameterInfo (a set's view: mandatory, position, pipeline).
function Write-Parameter([Xml.XmlWriter] $Writer, $Info, [string] $Description, [switch] $InSyntax) {
    $isSwitch = $Info.ParameterType -eq [switch]
    $aliases = @($Info.Aliases)
    $Writer.WriteStartElement('parameter', $command)
    $Writer.WriteAttributeString('required', "$($Info.IsMandatory)".ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', "$($Info.ParameterType.IsArray)".ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', "$(@($Info.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0)".ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineText $Info.ValueFromPipeline $Info.ValueFromPipelineByPropertyName))
    $Writer.WriteAttributeString('position', ($Info.Position -ge 0 ? "$($Info.Position)" : 'named'))
    $Writer.WriteAttributeString('aliases', ($aliases.Count ? $aliases -join ', ' : 'none'))
    $Writer.WriteElementString('name', $maml, $Info.Name)
    Write-Paragraphs $Writer 'description' $maml $Description
    if (-not ($isSwitch -and $InSyntax)) {
        $Writer.WriteStartElement('parameterValue', $command)
        $Writer.WriteAttributeString('required', "$(-not $isSwitch)".ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString((Get-TypeName $Info.ParameterType))
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('type', $dev)
    $Writer.WriteElementString('name', $maml, $Info.ParameterType.FullName)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('defaultValue', $dev, ($isSwitch ? 'False' : 'None'))
    $Writer.WriteEndElement()
}

function Write-TypeList([Xml.XmlWriter] $Writer, [string] $List, [string] $Item, [string[]] $Types, [string] $Text) {
    $Writer.WriteStartElement($List, $command)
    foreach ($type in $Types) {
        $Writer.WriteStartElement($Item, $command)
        $Writer.WriteStartElement('type', $dev)
        $Writer.WriteElementString('name', $maml, $type)
        $Writer.WriteEndElement()
        Write-Paragraphs $Writer 'description' $maml $Text
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Command([Xml.XmlWriter] $Writer, [System.Management.Automation.CmdletInfo] $Cmdlet, $Source, [string] $File) {
    $Writer.WriteStartElement('command', 'command', $command)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $dev)

    $Writer.WriteStartElement('details', $command)
    $Writer.WriteElementString('name', $command, $Cmdlet.Name)
    $Writer.WriteElementString('verb', $command, $Cmdlet.Verb)
    $Writer.WriteElementString('noun', $command, $Cmdlet.Noun)
    Write-Paragraphs $Writer 'description' $maml $Source['synopsis']
    $Writer.WriteEndElement()
    Write-Paragraphs $Writer 'description' $maml $Source['description']

    # Syntax: one item per parameter set, the default set first.
    $Writer.WriteStartElement('syntax', $command)
    foreach ($set in @($Cmdlet.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $Writer.WriteStartElement('syntaxItem', $command)
        $Writer.WriteElementString('name', $maml, $Cmdlet.Name)
        $visible = $set.Parameters | Where-Object { Test-Visible $_ } |
            Sort-Object { $_.Position -ge 0 ? $_.Position : 1000 }, { -not $_.IsMandatory }
        foreach ($p in $visible) { Write-Parameter $Writer $p (Get-Description $Source $p.Name $File) -InSyntax }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # Parameters: each once, as its first parameter set has it.
    $Writer.WriteStartElement('parameters', $command)
    $seen = @{}
    $all = foreach ($set in $Cmdlet.ParameterSets) { $set.Parameters | Where-Object { Test-Visible $_ } }
    foreach ($p in @($all | Sort-Object Name)) {
        if ($seen.ContainsKey($p.Name)) { continue }
        $seen[$p.Name] = $true
        Write-Parameter $Writer $p (Get-Description $Source $p.Name $File)
    }
    $Writer.WriteEndElement()
    if ($Source['parameters'] -is [Collections.IDictionary]) {
        foreach ($name in $Source['parameters'].Keys) {
            if (-not $seen.ContainsKey($name)) { throw "help file ${File}: describes -$name, which $($Cmdlet.Name) does not have." }
        }
    }

    $inputs = @($all | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } |
            ForEach-Object { $_.ParameterType.FullName } | Sort-Object -Unique)
    Write-TypeList $Writer 'inputTypes' 'inputType' $inputs 'Bound from the pipeline by value or by property name, as the parameters say.'
    $outputs = @($Cmdlet.OutputType | ForEach-Object { $_.Name } | Sort-Object -Unique)
    Write-TypeList $Writer 'returnValues' 'returnValue' $outputs 'See the description.'

    if ("$($Source['notes'])".Trim()) {
        $Writer.WriteStartElement('alertSet', $maml)
        $Writer.WriteStartElement('alert', $maml)
        foreach ($para in ("$($Source['notes'])".Trim() -split '\r?\n\s*\r?\n')) { $Writer.WriteElementString('para', $maml, ($para -replace '\r?\n', ' ').Trim()) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('examples', $command)
    $number = 0
    foreach ($example in $Source['examples']) {
        $number++
        $Writer.WriteStartElement('example', $command)
        $Writer.WriteElementString('title', $maml, "--------- Example ${number}: $($example['title'].Trim()) ---------")
        $Writer.WriteElementString('code', $dev, $example['code'].TrimEnd())
        Write-Paragraphs $Writer 'remarks' $dev ("$($example['remarks'])".Trim() ? $example['remarks'] : ' ')
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('relatedLinks', $command)
    foreach ($link in @($Source['links'] | Where-Object { $_ })) {
        $Writer.WriteStartElement('navigationLink', $maml)
        $Writer.WriteElementString('linkText', $maml, $link)
        $Writer.WriteElementString('uri', $maml, '')
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

$cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
$missing = @($cmdlets | Where-Object { -not (Test-Path -LiteralPath (Join-Path $HelpDir "$($_.Name).yaml")) })
if ($missing) { throw "no help file for $($missing.Count) exported cmdlet(s): $(($missing | ForEach-Object { "help/$($_.Name).yaml" }) -join ', ')." }
$stray = @(Get-ChildItem -LiteralPath $HelpDir -Filter '*.yaml' | Where-Object BaseName -NotIn $cmdlets.Name)
if ($stray) { Write-Warning "help files for commands the module does not export (not compiled): $($stray.Name -join ', ')" }

$outDir = Join-Path $ModuleDir 'en-US'
$null = New-Item -ItemType Directory -Force -Path $outDir
$settings = [Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$target = Join-Path $outDir "$($module.Name).dll-Help.xml"
$writer = [Xml.XmlWriter]::Create($target, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($cmdlet in $cmdlets) {
        $file = "$($cmdlet.Name).yaml"
        Write-Command $writer $cmdlet (Read-HelpSource (Join-Path $HelpDir $file)) $file
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }

Copy-Item -LiteralPath (Join-Path $HelpDir 'about_VolumeManager.help.txt') -Destination $outDir
Write-Host "Help: $($cmdlets.Count) commands compiled into $([IO.Path]::GetFileName($target)), about_VolumeManager copied."
