# Every dependency is a Debian package, found here; nothing is downloaded.
# The system allocators are never linked into our binaries: each runs in a
# child process of its own with the library preloaded, so we only need the
# path of each shared library (resolved to the runtime .so.N file).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)

pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
find_package(mimalloc 2.0 REQUIRED CONFIG)
# Line editing and history for `heapreplay shell` at a terminal (BSD licence;
# Debian libedit-dev).
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)
# The compact .hrt encoding's chunks (traces/hrt_chunk.cpp; BSD licence;
# Debian libzstd-dev).
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
# Compressed text traces: heaptrack writes .zst (or .gz) recordings, and any
# text trace may come gzipped (traces/readers/compressed.cpp; zlib licence;
# Debian zlib1g-dev).
find_package(ZLIB REQUIRED)

function(hr_shared_library_path out_var target)
  get_target_property(_loc ${target} LOCATION)
  get_filename_component(_real "${_loc}" REALPATH)
  set(${out_var} "${_real}" PARENT_SCOPE)
endfunction()

find_library(HR_JEMALLOC_LIB NAMES jemalloc HINTS ${JEMALLOC_LIBRARY_DIRS} REQUIRED)
find_library(HR_TCMALLOC_LIB NAMES tcmalloc_minimal HINTS ${TCMALLOC_LIBRARY_DIRS} REQUIRED)
get_filename_component(HEAPREPLAY_JEMALLOC_SO "${HR_JEMALLOC_LIB}" REALPATH)
get_filename_component(HEAPREPLAY_TCMALLOC_SO "${HR_TCMALLOC_LIB}" REALPATH)
hr_shared_library_path(HEAPREPLAY_MIMALLOC_SO mimalloc)

# Each system allocator but glibc, for its row in
# allocators/system/system_allocators.cpp (through build_config.h) and for
# the tests that run once per system allocator (HEAPREPLAY_SYSTEM_ALLOCATORS,
# "name|library" items; glibc's library is the C library itself).
set(HEAPREPLAY_SYSTEM_ALLOCATORS "glibc|")
set(HEAPREPLAY_SYSTEM_DEFINES "")
function(hr_system_allocator name library version)
  message(STATUS "heapreplay: ${name} ${version} at ${library}")
  set(HEAPREPLAY_SYSTEM_ALLOCATORS ${HEAPREPLAY_SYSTEM_ALLOCATORS} "${name}|${library}" PARENT_SCOPE)
  set(HEAPREPLAY_SYSTEM_DEFINES "${HEAPREPLAY_SYSTEM_DEFINES}#define HEAPREPLAY_SYSTEM_LIB_${name} \"${library}\"
#define HEAPREPLAY_SYSTEM_VERSION_${name} \"${version}\"
" PARENT_SCOPE)
endfunction()
hr_system_allocator(jemalloc "${HEAPREPLAY_JEMALLOC_SO}" "${JEMALLOC_VERSION}")
hr_system_allocator(mimalloc "${HEAPREPLAY_MIMALLOC_SO}" "${mimalloc_VERSION}")
hr_system_allocator(tcmalloc "${HEAPREPLAY_TCMALLOC_SO}" "${TCMALLOC_VERSION}")

if(HEAPREPLAY_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HEAPREPLAY_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# Facts about this build that reports carry in their context block.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE HEAPREPLAY_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT HEAPREPLAY_GIT_REVISION)
  set(HEAPREPLAY_GIT_REVISION "unknown")
endif()
set(HEAPREPLAY_COMPILER "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_config.h.in ${PROJECT_BINARY_DIR}/generated/build_config.h @ONLY)
