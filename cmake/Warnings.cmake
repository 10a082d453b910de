# Compiler flags shared by every target of ours: warnings (errors in CI) and
# the optional sanitizer build.
add_library(hr_flags INTERFACE)
target_compile_options(hr_flags INTERFACE -Wall -Wextra)
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
  # With -fsanitize, GCC 12 reports -Wmaybe-uninitialized inside libstdc++
  # (std::regex, std::function) where nothing is uninitialised.
  target_compile_options(hr_flags INTERFACE -Wno-maybe-uninitialized)
endif()
target_include_directories(hr_flags INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
