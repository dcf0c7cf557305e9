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

-- Rewrite a send record as final: without its payload (a small listpack hash again), with a TTL.
local function close_send(key, status, provider_message_id, ttl_ms)
  local f = redis.call('HMGET', key, 'partition', 'due_ms', 'attempts', 'provider_message_id')
  local pmid = provider_message_id
  if pmid == '' then pmid = f[4] end
  redis.call('DEL', key)
  redis.call('HSET', key, 'status', status, 'partition', f[1] or '0', 'due_ms', f[2] or '0', 'attempts', f[3] or '0')
  if pmid and pmid ~= '' then redis.call('HSET', key, 'provider_message_id', pmid) end
  redis.call('PEXPIRE', key, ttl_ms)
end
