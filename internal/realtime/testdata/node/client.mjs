// A realtime client for inboxd's tests, built on a real ActionCable client
// library: Rails' @rails/actioncable or AnyCable's @anycable/web (with the
// extended protocol, which catches up after a reconnect by itself).
//
//   node client.mjs rails|anycable <ws url> <RoomChannel params as JSON>
//
// It subscribes to RoomChannel with the params and writes one JSON line per
// happening on standard output:
//   {"kind":"connected"} {"kind":"rejected"} {"kind":"disconnected"}
//   {"kind":"received","message":{...},"meta":{...}}
// and reads commands, one JSON line each, on standard input:
//   {"perform":"update_presence"}   perform a channel action
//   {"quit":true}                   disconnect and exit
import { createInterface } from 'node:readline'
import WebSocket from 'ws'

const [kind, url, paramsJSON] = process.argv.slice(2)
const params = JSON.parse(paramsJSON)

function out(v) {
  process.stdout.write(JSON.stringify(v) + '\n')
}

let perform, quit

if (kind === 'rails') {
  // The browser globals @rails/actioncable touches.
  globalThis.addEventListener ??= () => {}
  globalThis.removeEventListener ??= () => {}
  globalThis.document ??= { visibilityState: 'visible' }
  const { createConsumer, adapters } = await import('@rails/actioncable')
  adapters.WebSocket = WebSocket
  const consumer = createConsumer(url)
  const sub = consumer.subscriptions.create(
    { channel: 'RoomChannel', ...params },
    {
      connected() { out({ kind: 'connected' }) },
      rejected() { out({ kind: 'rejected' }) },
      disconnected() { out({ kind: 'disconnected' }) },
      received(message) { out({ kind: 'received', message }) },
    }
  )
  perform = action => sub.perform(action)
  quit = () => consumer.disconnect()
} else if (kind === 'anycable') {
  const { createCable } = await import('@anycable/web')
  const cable = createCable(url, {
    protocol: 'actioncable-v1-ext-json',
    websocketImplementation: WebSocket,
    logLevel: 'error',
  })
  const channel = cable.subscribeTo('RoomChannel', params)
  channel.on('connect', ev => out({ kind: 'connected', reconnect: ev.reconnect }))
  channel.on('disconnect', () => out({ kind: 'disconnected' }))
  channel.on('close', err => out({ kind: err ? 'rejected' : 'closed' }))
  channel.on('message', (message, meta) => out({ kind: 'received', message, meta }))
  channel.on('info', ev => {
    if (ev.type === 'history_received' || ev.type === 'history_not_found') out({ kind: ev.type })
  })
  perform = action => channel.perform(action)
  quit = () => cable.disconnect()
} else {
  console.error(`unknown client ${kind}: want rails or anycable`)
  process.exit(2)
}

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line)
  if (cmd.perform) perform(cmd.perform)
  if (cmd.quit) {
    quit()
    process.exit(0)
  }
}
process.exit(0)
