#!/bin/sh
# Installs what citytwin needs to build, test and view on Debian 12.
# Uses sudo when not run as root.
set -eu
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config git ca-certificates \
  libgdal-dev gdal-bin libproj-dev proj-bin proj-data \
  libhdf5-dev hdf5-tools netcdf-bin \
  libsdl2-dev xvfb xauth ffmpeg \
  python3 python3-xarray python3-netcdf4 valgrind \
  >/dev/null
