// FaultFileSystem: a RocksDB file system for the ledger's fault-injection
// tests (fault_test.cc, docs/reliability.md). It wraps the local file
// system and, on demand, makes writes to the write-ahead log fail with
// "no space left on device" or an I/O error (optionally after writing half
// the record, as a full disk does), and makes WAL syncs fail. It also
// remembers how much of each WAL file was synced, so a test can take a
// "power loss" image of the data directory: a copy in which every WAL file
// is cut back to what a sync made durable.
//
//   auto fs = std::make_shared<FaultFileSystem>();
//   auto env = rocksdb::NewCompositeEnv(fs);
//   auto ledger = LedgerInternal::OpenWithEnv(dir, {}, env.get());
//   fs->FailWalWrites(FaultFileSystem::Write::kNoSpace);
#ifndef CONSILIUM_TESTS_LEDGER_FAULT_FS_H_
#define CONSILIUM_TESTS_LEDGER_FAULT_FS_H_

#include <rocksdb/file_system.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace consilium::testing {

class FaultFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  enum class Write {
    kOk,
    kNoSpace,         // ENOSPC, nothing written
    kNoSpacePartial,  // ENOSPC after half the record reached the file
    kIOError,         // EIO, nothing written
  };

  FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok() && name.ends_with(".log")) {
      std::lock_guard l(mu_);
      wal_[std::filesystem::path(name).filename().string()] = {};
      *file = std::make_unique<WalFile>(std::move(*file), this, name);
    }
    return s;
  }

  void FailWalWrites(Write w) {
    std::lock_guard l(mu_);
    write_ = w;
  }
  void FailWalSyncs(bool fail) {
    std::lock_guard l(mu_);
    fail_sync_ = fail;
  }

  // Copies `dir` to `image` (a new directory) as a power loss would leave
  // it: each WAL file this file system wrote is cut back to the length its
  // last successful sync covered. The ledger may keep running meanwhile.
  void PowerLossImage(const std::string& dir, const std::string& image) {
    std::map<std::string, WalState> synced;
    {
      std::lock_guard l(mu_);
      synced = wal_;
    }
    std::filesystem::create_directories(image);
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (name == "LOCK") continue;
      std::filesystem::path to = std::filesystem::path(image) / name;
      std::filesystem::copy_file(entry.path(), to);
      if (auto it = synced.find(name); it != synced.end()) {
        std::filesystem::resize_file(to, it->second.synced);
      }
    }
  }

 private:
  struct WalState {
    uint64_t written = 0;
    uint64_t synced = 0;
  };

  class WalFile final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    WalFile(std::unique_ptr<rocksdb::FSWritableFile> f, FaultFileSystem* fs,
            const std::string& name)
        : FSWritableFileOwnerWrapper(std::move(f)),
          fs_(fs),
          name_(std::filesystem::path(name).filename().string()) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      Write w = fs_->CurrentWrite();
      if (w == Write::kNoSpacePartial && data.size() > 1) {
        rocksdb::Slice half(data.data(), data.size() / 2);
        rocksdb::IOStatus s = target()->Append(half, o, dbg);
        if (s.ok()) s = target()->Flush(o, dbg);
        if (s.ok()) fs_->Wrote(name_, half.size());
      }
      if (w == Write::kNoSpace || w == Write::kNoSpacePartial) {
        return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      }
      if (w == Write::kIOError) {
        return rocksdb::IOStatus::IOError("injected: input/output error");
      }
      rocksdb::IOStatus s = target()->Append(data, o, dbg);
      if (s.ok()) fs_->Wrote(name_, data.size());
      return s;
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
      return fs_->Synced(name_, [&] { return target()->Sync(o, dbg); });
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) override {
      return fs_->Synced(name_, [&] { return target()->Fsync(o, dbg); });
    }
    rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                                rocksdb::IODebugContext*) override {
      // Counted as no sync at all: only Sync and Fsync make data durable.
      return rocksdb::IOStatus::OK();
    }

   private:
    FaultFileSystem* fs_;
    std::string name_;
  };

  Write CurrentWrite() {
    std::lock_guard l(mu_);
    return write_;
  }
  void Wrote(const std::string& name, uint64_t n) {
    std::lock_guard l(mu_);
    wal_[name].written += n;
  }
  // Runs `sync` unless syncs fail; a successful one makes durable what was
  // written before it began (appends racing with it may or may not be).
  template <typename F>
  rocksdb::IOStatus Synced(const std::string& name, F sync) {
    uint64_t covered = 0;
    {
      std::lock_guard l(mu_);
      if (fail_sync_) {
        return rocksdb::IOStatus::IOError("injected: fsync failed");
      }
      covered = wal_[name].written;
    }
    rocksdb::IOStatus s = sync();
    if (s.ok()) {
      std::lock_guard l(mu_);
      WalState& st = wal_[name];
      if (covered > st.synced) st.synced = covered;
    }
    return s;
  }

  std::mutex mu_;
  Write write_ = Write::kOk;
  bool fail_sync_ = false;
  std::map<std::string, WalState> wal_;  // by file name
};

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_LEDGER_FAULT_FS_H_
