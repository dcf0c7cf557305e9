-- Shared helpers, prepended to every script of parley/store/lua when it is loaded.
-- State is one string "<version>:<blob>" (compact: no hash that outgrows listpack on a big blob).

local function state_version(raw)
  if not raw then return 0 end
  local sep = string.find(raw, ':', 1, true)
  return tonumber(string.sub(raw, 1, sep - 1))
end

local function write_state(key, version, blob)
  redis.call('SET', key, string.format('%d', version) .. ':' .. blob)
end

-- A send is final: its record goes, and its fingerprint and status letter join the debtor's done
-- hash (a small listpack), which expires ttl_ms after the debtor's last finished send.
local function close_send(key, done_key, fingerprint, code, ttl_ms)
  redis.call('DEL', key)
  redis.call('HSET', done_key, fingerprint, code)
  redis.call('PEXPIRE', done_key, ttl_ms)
end
