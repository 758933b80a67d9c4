#include "ledger/proof_json.h"

#include <boost/json.hpp>
#include <initializer_list>

#include "common/strict_json.h"

namespace consilium::merkle {

namespace {

namespace json = boost::json;

std::string Quoted(std::string_view key) {
  return "\"" + std::string(key) + "\"";
}

// Parses `text` as exactly one JSON object.
StatusOr<json::object> ParseObject(std::string_view text,
                                   std::string_view what) {
  // The strict reader: a proof with a duplicate key is refused, so no two
  // readers of the same file can check different proofs.
  json::value v;
  StrictJsonError e;
  Status s = ParseStrictJson(text, {.max_depth = 32}, v, &e);
  if (!s.ok()) {
    if (e.duplicate || s.code() != StatusCode::kInvalidArgument) {
      return s.WithContext(what);
    }
    return InvalidArgumentError(std::string(what) +
                                ": not valid JSON: " + e.reason);
  }
  if (!v.is_object()) {
    return InvalidArgumentError(std::string(what) + ": expected a JSON object");
  }
  return std::move(v.as_object());
}

// Rejects keys outside `allowed` and the vectors' annotations.
Status CheckKeys(const json::object& obj,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : obj) {
    const std::string_view key(kv.key().data(), kv.key().size());
    bool known = false;
    for (std::string_view a : allowed) known |= a == key;
    if (known) continue;
    if (key == "desc") {
      if (!kv.value().is_string()) {
        return InvalidArgumentError("\"desc\": expected a string");
      }
      continue;
    }
    if (key == "wantErr") {
      if (!kv.value().is_bool()) {
        return InvalidArgumentError("\"wantErr\": expected a boolean");
      }
      continue;
    }
    return InvalidArgumentError("unknown key " + Quoted(key));
  }
  return OkStatus();
}

const json::value* Find(const json::object& obj, std::string_view key) {
  return obj.if_contains(json::string_view(key.data(), key.size()));
}

StatusOr<uint64_t> GetUint(const json::object& obj, std::string_view key) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return InvalidArgumentError(Quoted(key) + " is missing");
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) {
    return static_cast<uint64_t>(v->get_int64());
  }
  return InvalidArgumentError(Quoted(key) +
                              ": expected a non-negative integer");
}

StatusOr<Hash256> HashFromValue(const json::value& v,
                                const std::string& where) {
  if (!v.is_string()) {
    return InvalidArgumentError(where + ": expected a base64 string");
  }
  const json::string& s = v.get_string();
  StatusOr<Hash256> h = Hash256FromBase64(std::string_view(s.data(), s.size()));
  if (!h.ok()) return h.status().WithContext(where);
  return h;
}

StatusOr<Hash256> GetHash(const json::object& obj, std::string_view key) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return InvalidArgumentError(Quoted(key) + " is missing");
  return HashFromValue(*v, Quoted(key));
}

StatusOr<std::vector<Hash256>> GetProof(const json::object& obj) {
  const json::value* v = Find(obj, "proof");
  if (v == nullptr) return InvalidArgumentError("\"proof\" is missing");
  std::vector<Hash256> proof;
  if (v->is_null()) return proof;
  if (!v->is_array()) {
    return InvalidArgumentError(
        "\"proof\": expected an array of base64 strings");
  }
  const json::array& arr = v->get_array();
  proof.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    ASSIGN_OR_RETURN(
        Hash256 h,
        HashFromValue(arr[i], "\"proof\"[" + std::to_string(i) + "]"));
    proof.push_back(h);
  }
  return proof;
}

void AppendProof(std::string& out, const std::vector<Hash256>& proof) {
  out += "  \"proof\": [";
  for (size_t i = 0; i < proof.size(); ++i) {
    out += i == 0 ? "\n    \"" : ",\n    \"";
    out += ToBase64(proof[i]);
    out += '"';
  }
  out += proof.empty() ? "]\n}\n" : "\n  ]\n}\n";
}

}  // namespace

std::string InclusionBundleToJson(const InclusionBundle& bundle) {
  std::string out = "{\n  \"leafIdx\": " + std::to_string(bundle.leaf_index) +
                    ",\n  \"treeSize\": " + std::to_string(bundle.tree_size) +
                    ",\n  \"root\": \"" + ToBase64(bundle.root) +
                    "\",\n  \"leafHash\": \"" + ToBase64(bundle.leaf_hash) +
                    "\",\n";
  AppendProof(out, bundle.proof);
  return out;
}

std::string ConsistencyBundleToJson(const ConsistencyBundle& bundle) {
  std::string out = "{\n  \"size1\": " + std::to_string(bundle.size1) +
                    ",\n  \"size2\": " + std::to_string(bundle.size2) +
                    ",\n  \"root1\": \"" + ToBase64(bundle.root1) +
                    "\",\n  \"root2\": \"" + ToBase64(bundle.root2) + "\",\n";
  AppendProof(out, bundle.proof);
  return out;
}

StatusOr<InclusionBundle> InclusionBundleFromJson(std::string_view text) {
  ASSIGN_OR_RETURN(json::object obj, ParseObject(text, "inclusion proof"));
  RETURN_IF_ERROR(
      CheckKeys(obj, {"leafIdx", "treeSize", "root", "leafHash", "proof"}));
  InclusionBundle b;
  ASSIGN_OR_RETURN(b.leaf_index, GetUint(obj, "leafIdx"));
  ASSIGN_OR_RETURN(b.tree_size, GetUint(obj, "treeSize"));
  ASSIGN_OR_RETURN(b.root, GetHash(obj, "root"));
  ASSIGN_OR_RETURN(b.leaf_hash, GetHash(obj, "leafHash"));
  ASSIGN_OR_RETURN(b.proof, GetProof(obj));
  return b;
}

StatusOr<ConsistencyBundle> ConsistencyBundleFromJson(std::string_view text) {
  ASSIGN_OR_RETURN(json::object obj, ParseObject(text, "consistency proof"));
  RETURN_IF_ERROR(
      CheckKeys(obj, {"size1", "size2", "root1", "root2", "proof"}));
  ConsistencyBundle b;
  ASSIGN_OR_RETURN(b.size1, GetUint(obj, "size1"));
  ASSIGN_OR_RETURN(b.size2, GetUint(obj, "size2"));
  ASSIGN_OR_RETURN(b.root1, GetHash(obj, "root1"));
  ASSIGN_OR_RETURN(b.root2, GetHash(obj, "root2"));
  ASSIGN_OR_RETURN(b.proof, GetProof(obj));
  return b;
}

}  // namespace consilium::merkle
