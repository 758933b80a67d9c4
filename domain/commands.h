// The command structs of the write side: what a caller asks of a command set
// (AdminCommands, ProjectCommands, AnnotationCommands; domain/
// command_handler.h gathers them), and what comes back. Built by the CLI and
// the server, from arguments or from JSON lines (render/command_input.h).
// Every rule and message: docs/commands.md.
//
// Errors of every command set (canonical codes):
//
//   InvalidArgument    bad input (malformed id, invalid values, bad JSON)
//   NotFound           unknown project, record, schema, principal, annotation
//   AlreadyExists      duplicate id
//   FailedPrecondition the state forbids it (not assigned, withdrawn, ...)
//   PermissionDenied   the actor or the annotator lacks a role
//   Aborted            stale expected revision (a concurrent change won)
//
// Thread-safety: plain values.
#ifndef CONSILIUM_DOMAIN_COMMANDS_H_
#define CONSILIUM_DOMAIN_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "domain/deid_gate.h"
#include "ledger/ledger.h"
#include "schemas/sealed_content.h"

namespace consilium::domain {

struct CommandHandlerOptions {
  // Token expiry is computed from this clock. Not owned.
  Clock* clock = SystemClock();
  // Lifetime of a bearer token issued by RegisterPrincipal / IssueToken.
  int64_t token_ttl_us = int64_t{90} * 24 * 3600 * 1'000'000;
  // Source of token bytes; empty = OpenSSL RAND_bytes. A test seam.
  std::function<Status(std::span<uint8_t>)> random_bytes{};
  // Encryption at rest (docs/encryption.md): on an encrypted ledger, record
  // imports seal content under the subject's data key, and reads open it.
  ContentKeys content_keys{};
  // The de-identification gate at import (docs/deid.md): on, with the
  // built-in detector, unless set otherwise.
  DeidGate deid_gate{};
};

struct CreateProjectCommand {
  std::string id{};
  std::string name{};
  uint32_t overlap_target = 0;
  bool blind_mode = false;
};

struct RoleSpec {
  fb::Role role = fb::Role::Unspecified;
  std::string project{};  // empty: global
};

struct RegisterPrincipalCommand {
  std::string id{};
  fb::PrincipalKind kind = fb::PrincipalKind::Person;
  std::string display_name{};
  std::string pseudonym{};  // empty: assigned ("P-000001", models "M-000002")
  std::string model_name{};
  std::string model_version{};
  std::vector<RoleSpec> roles{};
};

// A bearer token, shown once. Only its SHA-256 is in the ledger.
struct IssuedToken {
  std::string token{};  // "csl_" + base64url of 32 random bytes
  int64_t expires_at_us = 0;
};

// Which of a principal's tokens to revoke: exactly one of `token` (the
// bearer token itself, hashed here), `issued_seq` (its TokenIssued event) or
// `all` (every live token: the principal can no longer authenticate).
struct RevokeTokenCommand {
  std::string principal_id{};
  std::string token{};
  uint64_t issued_seq = 0;
  bool all = false;
  std::string reason{};  // optional
};

struct RegisteredPrincipal {
  IssuedToken token{};
  std::vector<Committed>
      events{};  // PrincipalRegistered, RoleGranted..., TokenIssued
};

struct SubmitAnnotationCommand {
  std::string annotation_id{};
  std::string record_id{};
  std::string annotator_id{};
  std::string schema_id{};
  uint32_t schema_version = 0;
  std::string values{};  // the values JSON object
};

struct ReviseAnnotationCommand {
  std::string annotation_id{};
  uint32_t expected_revision = 0;
  std::string values{};
  std::string reason{};
};

struct WithdrawAnnotationCommand {
  std::string annotation_id{};
  uint32_t expected_revision = 0;
  std::string reason{};  // required
};

// One line of `consilium annotate` (docs/commands.md, "Bulk annotation").
struct AnnotationCommand {
  enum class Op { kSubmit, kRevise, kWithdraw };
  Op op = Op::kSubmit;
  SubmitAnnotationCommand submit{};
  ReviseAnnotationCommand revise{};
  WithdrawAnnotationCommand withdraw{};
  const std::string& annotation_id() const;
};

struct RecordAccessCommand {
  std::string resource_kind{};  // record, annotation, project, schema, batch,
                                // dataset, ledger
  std::string resource_id{};
  std::string action{};  // [a-z_]+: read, list, export, ...
  std::string purpose{};
  bool allowed = false;
  std::string reason{};  // required when denied
};

struct GoldAnswerCommand {
  std::string record_id{};
  std::string schema_id{};
  uint32_t schema_version = 0;
  std::string values{};
};

// A record to import (docs/commands.md, "Records"), as read from one input
// line by render::ParseRecordLine: content and metadata are canonical JSON.
struct ImportRecordCommand {
  std::string id{};
  std::string content{};   // {"images": [...], "text": ...}, keys sorted
  std::string metadata{};  // "{}" when none
  // Whose data key seals the content on an encrypted ledger (the unit of
  // crypto-shredding); empty: the record id (docs/encryption.md). Last, so
  // {id, content, metadata} still means what it says.
  std::string subject{};
};

// One non-blank line of a bulk command's input (render/command_input.h): its
// 1-based number and the command read from it, or why none could be.
template <class C>
struct InputLine {
  size_t line = 0;
  StatusOr<C> command;
};
using RecordLine = InputLine<ImportRecordCommand>;
using AnnotationLine = InputLine<AnnotationCommand>;

// Domain ids (projects, principals, records, batches, annotations): 1-256
// bytes of letters, digits and - _ . : / @. InvalidArgument naming `what`
// ("record id") otherwise.
Status CheckDomainId(std::string_view what, std::string_view id);

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_COMMANDS_H_
