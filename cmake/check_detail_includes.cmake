# Layering check, run at configure time: core's internal headers (xgrad/detail/...) are for core/ and
# ops/ only. Every layer above them, and the tests, examples, benchmarks and fuzz targets, build on
# core's public headers; an include of a detail header anywhere else fails the configuration, naming
# the file and the line.
function(xgrad_check_detail_includes source_dir)
  set(allowed core ops)
  file(GLOB top_entries LIST_DIRECTORIES true RELATIVE ${source_dir} ${source_dir}/*)
  set(offenders "")
  foreach(entry ${top_entries})
    set(path ${source_dir}/${entry})
    # Skip the layers allowed to, hidden folders (.git, .ci) and build trees (they hold a CMakeCache).
    if(NOT IS_DIRECTORY ${path} OR entry IN_LIST allowed OR entry MATCHES "^\\." OR EXISTS ${path}/CMakeCache.txt)
      continue()
    endif()
    file(GLOB_RECURSE sources ${path}/*.cpp ${path}/*.hpp ${path}/*.h ${path}/*.cc ${path}/*.cxx ${path}/*.inl)
    foreach(file ${sources})
      file(STRINGS ${file} hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]xgrad/detail/")
      foreach(hit ${hits})
        file(RELATIVE_PATH shown ${source_dir} ${file})
        string(STRIP "${hit}" hit)
        string(APPEND offenders "\n  ${shown}: ${hit}")
      endforeach()
    endforeach()
  endforeach()
  if(offenders)
    message(FATAL_ERROR "xgrad/detail/ headers are internal to core/ and ops/, but these files include them:"
                        "${offenders}\nUse core's public headers instead (xgrad/tensor.hpp, xgrad/visit_dtype.hpp, "
                        "xgrad/record_backward.hpp, xgrad/regular_file.hpp, ...).")
  endif()
endfunction()
