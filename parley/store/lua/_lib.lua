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

-- A send is final: its record goes (the ledger in the state, and the outputs, say what became of it).
local function close_send(key, pending_key, send_id)
  redis.call('DEL', key)
  redis.call('HDEL', pending_key, send_id)
end
