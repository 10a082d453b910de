# The project's rooms: one static library per part of the design, each with
# the include directory of its own headers and nothing else, so that an
# include across a wall the design forbids does not compile (see
# docs/architecture.md for which room may use which).
#
# Sources include by path from the repository root ("traces/trace.h"). A
# room's include directory is a folder of the build tree holding links to
# its own folders only, at those same paths: build/include/replay/harness/
# replay -> harness/replay. Linking a room (PUBLIC) is what makes its
# headers reachable.
#
#   hr_room(NAME FOLDERS dir... [EXCLUDE subdir...] [PUBLIC dep...] [PRIVATE dep...])
#
# FOLDERS are paths from the repository root; every .cpp below them is the
# room's source. EXCLUDE names subfolders of a FOLDER that belong to another
# room (traces/generators is its own room): they get no link and no sources.
function(hr_room name)
  cmake_parse_arguments(R "" "" "FOLDERS;EXCLUDE;PUBLIC;PRIVATE" ${ARGN})
  set(inc ${PROJECT_BINARY_DIR}/include/${name})
  file(REMOVE_RECURSE ${inc})
  set(sources)
  foreach(folder ${R_FOLDERS})
    set(src ${PROJECT_SOURCE_DIR}/${folder})
    get_filename_component(parent ${inc}/${folder} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    set(excluded)
    foreach(x ${R_EXCLUDE})
      if(IS_DIRECTORY ${src}/${x})
        list(APPEND excluded ${x})
      endif()
    endforeach()
    if(excluded)
      # Link each entry but the excluded ones.
      file(MAKE_DIRECTORY ${inc}/${folder})
      file(GLOB entries RELATIVE ${src} CONFIGURE_DEPENDS ${src}/*)
      foreach(e ${entries})
        if(NOT e IN_LIST excluded)
          file(CREATE_LINK ${src}/${e} ${inc}/${folder}/${e} SYMBOLIC)
        endif()
      endforeach()
    else()
      file(CREATE_LINK ${src} ${inc}/${folder} SYMBOLIC)
    endif()
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${src}/*.cpp)
    foreach(x ${excluded})
      list(FILTER found EXCLUDE REGEX "^${src}/${x}/")
    endforeach()
    list(APPEND sources ${found})
  endforeach()
  add_library(hr_${name} STATIC ${sources})
  add_library(heapreplay::${name} ALIAS hr_${name})
  target_include_directories(hr_${name} PUBLIC ${inc})
  target_link_libraries(hr_${name} PUBLIC hr_flags ${R_PUBLIC} PRIVATE ${R_PRIVATE})
endfunction()
