#!/usr/bin/env pwsh
# AdvCore build entry point for PowerShell 7 — the twin of build.sh over the same dotnet commands.
#   ./build.ps1 build | test | bench [filter] | pack | bundle [dir]
param([Parameter(Position = 0)][string]$Command = 'build',
      [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @())
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$config = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Release' }

function Invoke-Build { dotnet build AdvCore.sln -c $config -nologo -v:minimal @args; if ($LASTEXITCODE) { exit $LASTEXITCODE } }

function Invoke-Tests {
  $results = Join-Path $PWD 'artifacts/test-results'
  Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue
  New-Item -ItemType Directory -Force $results | Out-Null
  $nativeLog = & ./artifacts/native/Release/advcore_native_tests
  $nativeStatus = $LASTEXITCODE
  $nativeLog | Write-Output
  $nativeLine = $nativeLog | Where-Object { $_ -match '^(\d+) passed, (\d+) failed' } | Select-Object -Last 1
  $nPass = 0; $nFail = 1
  if ($nativeLine -match '^(\d+) passed, (\d+) failed') { $nPass = [int]$Matches[1]; $nFail = [int]$Matches[2] }
  if ($nativeStatus -ne 0 -and $nFail -eq 0) { $nFail = 1 }
  dotnet "tests/AdvCore.Tests/bin/$config/net10.0/AdvCore.Tests.dll" --report-trx --results-directory $results --report-trx-filename managed.trx @args
  $managedStatus = $LASTEXITCODE
  $mPass = 0; $mFail = 1; $mSkip = 0
  $trx = Join-Path $results 'managed.trx'
  if (Test-Path $trx) {
    $c = ([xml](Get-Content $trx)).TestRun.ResultSummary.Counters
    $mPass = [int]$c.passed; $mFail = [int]$c.failed; $mSkip = [int]$c.total - $mPass - $mFail
    if ($managedStatus -ne 0 -and $mFail -eq 0) { $mFail = 1 }
  }
  Write-Output "native: $nPass passed, $nFail failed; NUnit: $mPass passed, $mFail failed, $mSkip skipped"
  Write-Output "$($nPass + $mPass) passed, $($nFail + $mFail) failed, $mSkip skipped"
  if ($nFail + $mFail -ne 0) { exit 1 }
}

switch ($Command) {
  'build' { Invoke-Build @Rest }
  'test' { Invoke-Build; Invoke-Tests @Rest }
  'bench' {
    $filter = if ($Rest.Count -gt 0) { $Rest[0] } else { '*' }
    $extra = if ($Rest.Count -gt 1) { $Rest[1..($Rest.Count - 1)] } else { @() }
    dotnet run -c Release --project bench/AdvCore.Bench -- --filter $filter --exporters markdown csv @extra
  }
  'pack' {
    # AdvCore (with libadvcore.so under runtimes/linux-x64/native/) and the optional AdvCore.Plots, + .snupkg
    Remove-Item -Recurse -Force artifacts/pack -ErrorAction SilentlyContinue
    foreach ($project in 'src/AdvCore/AdvCore.csproj', 'src/AdvCore.Plots/AdvCore.Plots.csproj') {
      dotnet pack $project -c $config -o artifacts/pack @Rest
      if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
  }
  'bundle' { bash scripts/make-bundle.sh @Rest }
  default { Write-Error "unknown command '$Command' (build | test | bench | pack | bundle)"; exit 2 }
}
exit $LASTEXITCODE
