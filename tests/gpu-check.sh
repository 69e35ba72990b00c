#!/usr/bin/env bash
# Runs the whole test suite, the CUDA backend's tests included, on a GPU machine that has no .NET SDK.
#
#   tests/gpu-check.sh prepare   here: builds the tests and packs them, the .NET runtime and xunit's console runner
#                                into .gpucheck/ (about 40 MB; ignored by git)
#   tests/gpu-check.sh run       there, from the repository root: unpacks the runtime and runs the Gpu tests with one
#                                line per test, then the rest of the suite; exits non-zero if any test failed
#
# Why a console runner: `dotnet test` needs the SDK, which is several hundred MB; the runtime plus xunit's 2.4.1
# console runner (built for netcoreapp2.0, so it runs on .NET 10 with DOTNET_ROLL_FORWARD=Major) is what a test run
# needs. The runner's files go beside the tests because the tests find their data beside their own assembly.
set -euo pipefail
cd "$(dirname "$0")/.."
pack=.gpucheck

case "${1:-}" in
prepare)
  dotnet build tests/Snn.Tests -c Release
  runner=$(mktemp -d)
  printf '%s\n' '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>' \
    '<ItemGroup><PackageDownload Include="xunit.runner.console" Version="[2.4.1]" /></ItemGroup></Project>' > "$runner/r.csproj"
  dotnet restore "$runner/r.csproj" >/dev/null
  rm -rf "$pack" && mkdir -p "$pack"
  cp -r tests/Snn.Tests/bin/Release/net10.0 "$pack/tests"
  cp -n "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/xunit.runner.console/2.4.1/tools/netcoreapp2.0/* "$pack/tests/"
  root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  runtime=$(cd "$root" && ls -d shared/Microsoft.NETCore.App/*/ | sort -V | tail -1)
  (cd "$root" && tar cJf - dotnet host "$runtime") > "$pack/dotnet.tar.xz"
  rm -rf "$runner"
  du -sh "$pack"
  ;;
run)
  runtime=$(mktemp -d)
  tar xJf "$pack/dotnet.tar.xz" -C "$runtime"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv
  cd "$pack/tests"
  export DOTNET_ROLL_FORWARD=Major
  status=0
  "$runtime/dotnet" xunit.console.dll Snn.Tests.dll -nocolor -namespace Snn.Tests.Gpu -verbose || status=1
  "$runtime/dotnet" xunit.console.dll Snn.Tests.dll -nocolor -nonamespace Snn.Tests.Gpu || status=1
  exit $status
  ;;
*)
  echo "usage: tests/gpu-check.sh prepare | run" >&2
  exit 2
  ;;
esac
