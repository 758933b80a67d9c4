// RawLedger: opens a ledger's RocksDB directly, as an attacker with disk
// access would, to rewrite stored events behind the ledger's back.
#ifndef CONSILIUM_TESTS_TESTING_RAW_LEDGER_H_
#define CONSILIUM_TESTS_TESTING_RAW_LEDGER_H_

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ledger/internal/storage_layout.h"

namespace consilium::testing {

class RawLedger {
 public:
  explicit RawLedger(const std::string& dir) {
    std::vector<std::string> names;
    rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names)
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    status_ = rocksdb::DB::Open(rocksdb::Options(), dir, cfs, &handles_, &db);
    db_.reset(db);
  }
  ~RawLedger() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  }
  bool ok() const { return status_.ok(); }

  rocksdb::ColumnFamilyHandle* Family(const std::string& name) const {
    for (auto* h : handles_) {
      if (h->GetName() == name) return h;
    }
    return nullptr;
  }
  std::string GetEvent(uint64_t seq) const {
    std::string v;
    db_->Get(rocksdb::ReadOptions(), Family(ledger_internal::kEventsFamily),
             ledger_internal::SeqKey(seq), &v);
    return v;
  }
  void PutEvent(uint64_t seq, const std::string& bytes) {
    db_->Put(rocksdb::WriteOptions(), Family(ledger_internal::kEventsFamily),
             ledger_internal::SeqKey(seq), bytes);
  }
  void DeleteEvent(uint64_t seq) {
    db_->Delete(rocksdb::WriteOptions(), Family(ledger_internal::kEventsFamily),
                ledger_internal::SeqKey(seq));
  }
  void PutMeta(const std::string& key, const std::string& value) {
    db_->Put(rocksdb::WriteOptions(), Family(ledger_internal::kMetaFamily), key,
             value);
  }
  // Any family, by name (storage_layout.h): what `ldb put`, `ldb delete`
  // and `ldb scan` do.
  void Put(const std::string& family, const std::string& key,
           const std::string& value) {
    db_->Put(rocksdb::WriteOptions(), Family(family), key, value);
  }
  void Delete(const std::string& family, const std::string& key) {
    db_->Delete(rocksdb::WriteOptions(), Family(family), key);
  }
  std::vector<std::pair<std::string, std::string>> Entries(
      const std::string& family) const {
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Family(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.emplace_back(it->key().ToString(), it->value().ToString());
    return out;
  }
  rocksdb::DB* db() { return db_.get(); }

 private:
  rocksdb::Status status_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_RAW_LEDGER_H_
