// Queue::Item: one item's full state inside a Queue, shared by queue.cc
// (applying inputs) and queue_checks.cc (the command checks).
#ifndef CONSILIUM_ADJUDICATION_INTERNAL_QUEUE_ITEM_H_
#define CONSILIUM_ADJUDICATION_INTERNAL_QUEUE_ITEM_H_

#include <optional>
#include <string>
#include <vector>

#include "adjudication/internal/order_index.h"
#include "adjudication/queue.h"

namespace consilium::adjudication {

struct Queue::Item {
  ItemInfo info;
  schemas::Layer layer = schemas::Layer::kInterpretive;
  FieldView view;
  // While claimed: the state a release or expiry returns the item to
  // (kPending, kReopened or kEscalated).
  ItemState claimed_from = ItemState::kPending;
  // Exactly what was inserted into an OrderIndex, so Dequeue erases the same
  // entries even after the conflict set or the round grew.
  std::optional<internal::QueueKey> indexed;
  std::vector<std::string> indexed_excluded;
  bool indexed_senior = false;
  // An in-flight claim holds the item (Queue::Hold): out of the claim order
  // until its event is applied or the claim fails. Memory only.
  bool held = false;
};

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_INTERNAL_QUEUE_ITEM_H_
