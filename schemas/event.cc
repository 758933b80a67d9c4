#include "schemas/event.h"

#include <cstring>

namespace consilium {
namespace {

Status CheckId(std::string_view what, std::string_view id, bool required) {
  if (id.empty()) {
    if (required)
      return InvalidArgumentError(std::string(what) + " is required");
    return OkStatus();
  }
  if (id.size() > kMaxIdBytes) {
    return InvalidArgumentError(
        std::string(what) + " is " + std::to_string(id.size()) +
        " bytes; the limit is " + std::to_string(kMaxIdBytes));
  }
  // NUL separates parts of index keys (docs/storage.md).
  if (id.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(std::string(what) +
                                " contains a NUL character");
  }
  return OkStatus();
}

}  // namespace

EventDraft::EventDraft(std::string bytes) : bytes_(std::move(bytes)) {
  flatbuffers::Verifier verifier(
      reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size());
  if (bytes_.size() <= kMaxEventBytes && fb::VerifyEventBuffer(verifier)) {
    // Stamping changes only the stamp table's fields, which lie after the
    // table's start; every byte before it is final.
    const auto* stamp = reinterpret_cast<const uint8_t*>(event()->stamp());
    prefix_ =
        LeafHashPrefix(AsBytes(bytes_),
                       stamp - reinterpret_cast<const uint8_t*>(bytes_.data()));
  }
}

Hash256 EventDraft::Stamp(uint64_t sequence, const Hash256& prev_hash,
                          int64_t timestamp_us) {
  fb::Stamp* stamp = fb::GetMutableEvent(bytes_.data())->mutable_stamp();
  bool ok = stamp->mutate_sequence(sequence);
  ok = stamp->mutate_timestamp_us(timestamp_us) && ok;
  // Validate() guaranteed all three fields are present.
  assert(ok && stamp->mutable_prev_hash() != nullptr);
  (void)ok;
  std::memcpy(stamp->mutable_prev_hash()->mutable_bytes()->Data(),
              prev_hash.data(), 32);
  return prefix_.Finish(AsBytes(bytes_));
}

Status EventDraft::Validate() const {
  if (bytes_.size() > kMaxEventBytes) {
    return InvalidArgumentError("event is " + std::to_string(bytes_.size()) +
                                " bytes encoded; the limit is " +
                                std::to_string(kMaxEventBytes));
  }
  flatbuffers::Verifier verifier(
      reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size());
  if (!fb::VerifyEventBuffer(verifier)) {
    return InvalidArgumentError(
        "event draft is not a valid consilium.fb.Event");
  }
  const fb::Event* e = event();
  if (e->format_version() != kEventFormatVersion) {
    return InvalidArgumentError("event draft has format version " +
                                std::to_string(e->format_version()) +
                                ", expected " +
                                std::to_string(kEventFormatVersion));
  }
  // The ledger patches these in place; they must have been written.
  // Generated tables derive privately from flatbuffers::Table.
  const auto* stamp = reinterpret_cast<const flatbuffers::Table*>(e->stamp());
  if (e->stamp()->prev_hash() == nullptr ||
      !stamp->CheckField(fb::Stamp::VT_SEQUENCE) ||
      !stamp->CheckField(fb::Stamp::VT_TIMESTAMP_US)) {
    return InvalidArgumentError(
        "event draft's stamp lacks sequence, prev_hash or timestamp_us (build "
        "it with "
        "ForceDefaults)");
  }
  if (e->body_type() == fb::EventBody::NONE ||
      static_cast<uint8_t>(e->body_type()) >
          static_cast<uint8_t>(fb::EventBody::MAX)) {
    return InvalidArgumentError("event draft has no known body type");
  }
  RETURN_IF_ERROR(CheckId("actor", View(e->actor()), /*required=*/true));
  RETURN_IF_ERROR(CheckId("request_id", View(e->request_id()), false));
  RETURN_IF_ERROR(CheckId("record_id", RecordIdOf(*e), false));
  RETURN_IF_ERROR(CheckId("project_id", ProjectIdOf(*e), false));
  return OkStatus();
}

EventDraft MakeProjectCreated(const EventHeader& header,
                              std::string_view project_id,
                              std::string_view name) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto body = fb::CreateProjectCreatedDirect(
        fbb, std::string(project_id).c_str(), std::string(name).c_str());
    return std::make_pair(fb::EventBody::ProjectCreated, body.Union());
  });
}

EventDraft MakeRecordImported(const EventHeader& header,
                              std::string_view record_id,
                              std::string_view project_id,
                              std::string_view content,
                              std::string_view metadata) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto rid = fbb.CreateString(record_id);
    auto pid = fbb.CreateString(project_id);
    auto media = fbb.CreateString("application/json");
    auto data = fbb.CreateVector(
        reinterpret_cast<const uint8_t*>(content.data()), content.size());
    fb::PayloadBuilder pb(fbb);
    pb.add_encoding(fb::PayloadEncoding::Plain);
    pb.add_media_type(media);
    pb.add_data(data);
    auto payload = pb.Finish();
    auto meta = fbb.CreateString(metadata);
    Hash256 h = Sha256(content);
    fb::Hash256 content_hash(
        flatbuffers::span<const uint8_t, 32>(h.data(), 32));
    fb::RecordImportedBuilder rb(fbb);
    rb.add_record_id(rid);
    rb.add_project_id(pid);
    rb.add_content(payload);
    rb.add_content_hash(&content_hash);
    rb.add_metadata(meta);
    return std::make_pair(fb::EventBody::RecordImported, rb.Finish().Union());
  });
}

Status VerifyStoredEvent(std::string_view bytes) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size());
  if (!fb::VerifyEventBuffer(verifier)) {
    return DataLossError(
        "undecodable event bytes (FlatBuffers verification failed)");
  }
  const fb::Event* e = fb::GetEvent(bytes.data());
  if (e->format_version() > kEventFormatVersion) {
    return FailedPreconditionError(
        "event format version " + std::to_string(e->format_version()) +
        " is newer than this build reads (" +
        std::to_string(kEventFormatVersion) + "); upgrade consilium");
  }
  if (e->stamp()->prev_hash() == nullptr) {
    return DataLossError("event has no previous-hash field");
  }
  return OkStatus();
}

uint64_t SequenceOf(const fb::Event& event) {
  return event.stamp()->sequence();
}

int64_t TimestampOf(const fb::Event& event) {
  return event.stamp()->timestamp_us();
}

Hash256 PrevHashOf(const fb::Event& event) {
  Hash256 h{};
  if (event.stamp()->prev_hash() != nullptr) {
    std::memcpy(h.data(), event.stamp()->prev_hash()->bytes()->Data(), 32);
  }
  return h;
}

std::string_view EventTypeName(fb::EventBody type) {
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(fb::EventBody::MAX)) {
    return "Unknown";
  }
  return fb::EnumNameEventBody(type);
}

std::string_view RecordIdOf(const fb::Event& event) {
  switch (event.body_type()) {
    case fb::EventBody::RecordImported:
      return View(event.body_as_RecordImported()->record_id());
    default:
      return {};
  }
}

std::string_view ProjectIdOf(const fb::Event& event) {
  switch (event.body_type()) {
    case fb::EventBody::ProjectCreated:
      return View(event.body_as_ProjectCreated()->project_id());
    case fb::EventBody::RecordImported:
      return View(event.body_as_RecordImported()->project_id());
    default:
      return {};
  }
}

}  // namespace consilium
