# OpenBLAS (Debian: libopenblas-dev) as the imported target advcore_blas: the CBLAS header
# comes from pkg-config's `openblas`, the library from FindBLAS with BLA_VENDOR=OpenBLAS.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(OPENBLAS_PC QUIET openblas)
endif()
find_path(ADVCORE_CBLAS_INCLUDE cblas.h HINTS ${OPENBLAS_PC_INCLUDE_DIRS}
          PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/openblas)
if(NOT ADVCORE_CBLAS_INCLUDE)
  message(FATAL_ERROR "cblas.h not found: install OpenBLAS (apt-get install libopenblas-dev)")
endif()
add_library(advcore_blas INTERFACE)
target_include_directories(advcore_blas SYSTEM INTERFACE ${ADVCORE_CBLAS_INCLUDE})
target_link_libraries(advcore_blas INTERFACE ${BLAS_LIBRARIES})
