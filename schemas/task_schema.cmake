# consilium_task_schema: the annotation task-schema language (parser, diff)
# and the annotation validator. Included from schemas/CMakeLists.txt; linked
# into consilium_schemas. Boost.JSON stays private: the public headers take
# and return std::string_view and plain structs.
add_library(consilium_task_schema
  task_schema.cc
  annotation_validator.cc
  internal/json_tape.cc
  schema_diff.cc
)
target_include_directories(consilium_task_schema PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(consilium_task_schema
  PUBLIC consilium_common
  PRIVATE Boost::json)
