# SymflowInstall.cmake — the installable library libsymflow (shared: symflow_shared,
# static: symflow_static, both OUTPUT_NAME symflow) made from the objects of the module
# libraries, and what `cmake --install` puts under the prefix: libraries, public headers
# with the generated version.h, the `symflow` command, the CMake package (symflow::symflow,
# symflow::symflow_static), symflow.pc, the Python packages postproc/symflow_post and
# python/symflow, the man page, bash completion, LICENSE and CITATION.cff.
# Not here: the module libraries themselves (each module's CMakeLists.txt); the tests and
# the command keep linking those.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SF_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/symflow)

set(SF_MODULE_LIBS symflow_core symflow_reduction symflow_solver symflow_postproc symflow_app)
set(SF_MODULE_OBJECTS)
foreach(m ${SF_MODULE_LIBS})
  list(APPEND SF_MODULE_OBJECTS $<TARGET_OBJECTS:${m}>)
endforeach()

# The external libraries the modules link privately, one list for both flavours.
set(SF_EXTERNAL_LIBS PkgConfig::YAML netCDF::netcdf PkgConfig::GSL PkgConfig::MATHEVAL
    SUNDIALS::cvode SUNDIALS::nvecserial PkgConfig::OPENBLAS PkgConfig::FFTW3 ${SF_LIBM})
if(OpenMP_C_FOUND)
  list(APPEND SF_EXTERNAL_LIBS OpenMP::OpenMP_C)
endif()

add_library(symflow_shared SHARED ${SF_MODULE_OBJECTS})
add_library(symflow_static STATIC ${SF_MODULE_OBJECTS})
foreach(t symflow_shared symflow_static)
  add_dependencies(${t} ${SF_MODULE_LIBS})
  set_target_properties(${t} PROPERTIES OUTPUT_NAME symflow LINKER_LANGUAGE C)
  target_include_directories(${t} INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/generated>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${t} PRIVATE ${SF_EXTERNAL_LIBS})
  if(SF_SANITIZE)
    # An instrumented libsymflow needs the sanitizer runtimes in whatever links it.
    target_link_options(${t} INTERFACE -fsanitize=address,undefined)
  endif()
endforeach()
set_target_properties(symflow_shared PROPERTIES EXPORT_NAME symflow
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
set_target_properties(symflow_static PROPERTIES EXPORT_NAME symflow_static)

install(TARGETS symflow_shared symflow_static EXPORT symflowTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS symflow RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/symflow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_BINARY_DIR}/generated/symflow/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/symflow)

# CMake package: find_package(symflow) → symflow::symflow (shared), symflow::symflow_static.
install(EXPORT symflowTargets NAMESPACE symflow:: DESTINATION ${SF_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/symflowConfig.cmake.in
  ${CMAKE_BINARY_DIR}/symflowConfig.cmake INSTALL_DESTINATION ${SF_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/symflowConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/symflowConfig.cmake ${CMAKE_BINARY_DIR}/symflowConfigVersion.cmake
        DESTINATION ${SF_INSTALL_CMAKEDIR})

# pkg-config: relocatable (prefix from ${pcfiledir}), so `cmake --install --prefix` works.
file(RELATIVE_PATH SF_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
if(SF_SANITIZE)
  set(SF_PC_EXTRA_LIBS "-fsanitize=address,undefined")
endif()
if(OpenMP_C_FOUND)
  set(SF_PC_OPENMP "${OpenMP_C_FLAGS}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/symflow.pc.in ${CMAKE_BINARY_DIR}/symflow.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/symflow.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Python package, found by the command relative to its own location (app/main.c).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/postproc/symflow_post DESTINATION ${SF_INSTALL_PYTHONDIR}
        PATTERN __pycache__ EXCLUDE PATTERN "*.pyc" EXCLUDE)
# Python package symflow (python/symflow): finds libsymflow at PREFIX/lib relative to itself.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/symflow DESTINATION ${SF_INSTALL_PYTHONDIR}
        PATTERN __pycache__ EXCLUDE PATTERN "*.pyc" EXCLUDE)

install(FILES ${PROJECT_SOURCE_DIR}/man/symflow.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/symflow.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME symflow)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CITATION.cff
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
