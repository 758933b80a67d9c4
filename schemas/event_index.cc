#include "schemas/event_index.h"

namespace consilium {

IndexKeys ConsiliumV1IndexKeys(const fb::Event& event) {
  return IndexKeys{RecordIdOf(event)};
}

}  // namespace consilium
