# Compiler flags shared by every target of ours: warnings (errors in CI) and
# the optional sanitizer build.
add_library(hr_flags INTERFACE)
# -Wshadow: a name that hides another is a bug waiting; -Wconversion: a
# narrowing the code does not spell out (sizes, counts and times mix widths).
target_compile_options(hr_flags INTERFACE -Wall -Wextra -Wshadow -Wconversion)
# Clang's -Wconversion also holds -Wsign-conversion, which GCC's leaves out for
# C++: the same set under both compilers (the fuzz build is Clang's).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(hr_flags INTERFACE -Wno-sign-conversion)
endif()
# GCC 12 reports -Wrestrict inside libstdc++'s std::string operator+ at -O2
# (GCC bug 105329, a false positive); it would fail -Werror builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(hr_flags INTERFACE -Wno-restrict)
endif()
if(HEAPREPLAY_WERROR)
  target_compile_options(hr_flags INTERFACE -Werror)
endif()
if(HEAPREPLAY_SANITIZE)
  target_compile_options(hr_flags INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                            -fno-omit-frame-pointer)
  target_link_options(hr_flags INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(hr_flags INTERFACE HEAPREPLAY_SANITIZED=1)
  # -O1 and line tables (after the build type's -O2 -g, so they win): what the
  # sanitizers' documentation suggests, and a third quicker to compile (the
  # largest test file: 25 s against 45 s), which is most of CI's time.
  target_compile_options(hr_flags INTERFACE -O1 -g1)
  # With -fsanitize, GCC 12 reports -Wmaybe-uninitialized inside libstdc++
  # (std::regex, std::function) where nothing is uninitialised.
  target_compile_options(hr_flags INTERFACE -Wno-maybe-uninitialized)
endif()
if(HEAPREPLAY_FUZZ)
  # libFuzzer ships with Clang only. Our libraries get the fuzzer's coverage
  # instrumentation (fuzzer-no-link: the fuzz targets link the runtime) and the
  # same sanitizers as HEAPREPLAY_SANITIZE, so one build finds crashes, leaks
  # and undefined behaviour.
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HEAPREPLAY_FUZZ=ON needs Clang (libFuzzer): configure a fresh build folder with "
                        "CC=clang CXX=clang++ (Debian: clang and libclang-rt-14-dev)")
  endif()
  if(HEAPREPLAY_SANITIZE)
    message(FATAL_ERROR "HEAPREPLAY_FUZZ=ON already sanitizes our code: leave HEAPREPLAY_SANITIZE off")
  endif()
  # -O1 and line tables only: the usual fuzzing build, quicker to compile
  # than -O2 -g with about the same speed under the sanitizers. Assertions
  # stay on (-UNDEBUG): a broken invariant is a finding.
  target_compile_options(hr_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                            -fno-sanitize-recover=undefined -fno-omit-frame-pointer
                                            -O1 -gline-tables-only -UNDEBUG)
  target_link_options(hr_flags INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(hr_flags INTERFACE HEAPREPLAY_SANITIZED=1 HEAPREPLAY_FUZZING=1)
endif()
