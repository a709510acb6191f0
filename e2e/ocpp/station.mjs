// An OCPP 2.1 / 2.0.1 charging station for the portal's gateway tests, built on ocpp-rpc (a third-party OCPP-J
// library) in strict mode: every call it makes and every call it receives is checked against the official JSON schemas
// by ocpp-rpc itself, so a non-conforming message from the portal fails there, not in our own code.
//
// Usage: node station.mjs <ws endpoint, e.g. ws://127.0.0.1:5080/ocpp> <station id> <password> <subprotocol>
// Driven by JSON lines on stdin; reports JSON lines on stdout (see NodeStation.cs):
//   {"op":"connect"} {"op":"call","id":1,"action":"BootNotification","payload":{…}} {"op":"plug",…} {"op":"unplug"}
//   {"op":"answer","action":"SetChargingProfile","status":"Rejected"} {"op":"raw","id":2,"text":"…"} {"op":"drop"}
//   {"op":"v2x","enabled":false} {"op":"flood","count":300} {"op":"state","id":3} {"op":"exit"}
import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const { RPCClient } = require('ocpp-rpc');
const { createValidator } = require('ocpp-rpc/lib/validator');

const [endpoint, identity, password, subprotocol] = process.argv.slice(2);

// ocpp-rpc 2.2.1 looks schemas up as urn:<Action>.req / .conf, but its OCPP 2.1 bundle names them urn:<Action>Request /
// Response, so strict mode would find none for 2.1. The same official schemas, registered under the ids it looks for.
const bundle21 = require('ocpp-rpc/lib/schemas/ocpp2_1.json').map(s => ({
  ...s,
  $id: s.$id.replace(/^urn:(.*)Request$/, 'urn:$1.req').replace(/^urn:(.*)Response$/, 'urn:$1.conf'),
}));

const out = event => process.stdout.write(JSON.stringify(event) + '\n');
const now = () => new Date().toISOString();

const state = {
  connector: 'Available',
  transactionId: null,
  seqNo: 0,
  vehicle: null,
  soc: null,
  modes: [],
  profile: null,
  executions: [],   // distinct command ids the station started discharging for
  der: {},          // controlId -> SetDERControl request
  answers: {},      // action -> status to answer with
  variables: {},    // variable name -> attributeStatus to answer SetVariables with
  powerW: 0,
  registersOnly: false, // its meter values carry its energy registers, not its power (many stations' default)
  importWh: 0,
  exportWh: 0,
  meterAt: Date.now(),
  v2xEnabled: true,  // what its device model says (V2XChargingCtrlr.Enabled)
};

const client = new RPCClient({
  endpoint,
  identity,
  password,
  protocols: [subprotocol],
  strictMode: true,
  strictModeValidators: [createValidator('ocpp2.1', bundle21)],
  reconnect: false,
  callTimeoutMs: 15000,
});

client.on('close', ({ code, reason }) => out({ event: 'closed', code, reason: String(reason ?? '') }));
client.on('badMessage', ({ error }) => out({ event: 'badMessage', message: String(error?.message ?? error) }));
client.on('message', ({ message, outbound }) => {
  if (!outbound) {
    out({ event: 'frame', text: String(message) });
  }
});

function tx(eventType, triggerReason, extra = {}) {
  state.seqNo += 1;
  const payload = {
    eventType,
    timestamp: now(),
    triggerReason,
    seqNo: state.seqNo,
    transactionInfo: { transactionId: state.transactionId, chargingState: state.powerW === 0 ? 'EVConnected' : 'Charging' },
    evse: { id: 1, connectorId: 1 },
    ...extra,
  };
  if (subprotocol === 'ocpp2.1' && state.profile?.operationMode) {
    payload.transactionInfo.operationMode = state.profile.operationMode;
  }
  return client.call('TransactionEvent', payload);
}

function meter() {
  const at = Date.now();
  state.importWh += Math.max(0, state.powerW) * (at - state.meterAt) / 3600000;
  state.exportWh += Math.max(0, -state.powerW) * (at - state.meterAt) / 3600000;
  state.meterAt = at;
  if (state.registersOnly) {
    return [{ timestamp: new Date(at).toISOString(), sampledValue: [
      { value: Math.round(state.importWh * 1000) / 1000, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
      { value: Math.round(state.exportWh * 1000) / 1000, measurand: 'Energy.Active.Export.Register', unitOfMeasure: { unit: 'Wh' } },
    ] }];
  }
  const sampledValue = [
    { value: Math.max(0, state.powerW), measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
    { value: Math.max(0, -state.powerW), measurand: 'Power.Active.Export', unitOfMeasure: { unit: 'W' } },
  ];
  if (state.soc != null) {
    sampledValue.push({ value: state.soc, measurand: 'SoC', unitOfMeasure: { unit: 'Percent' } });
  }
  return [{ timestamp: now(), sampledValue }];
}

const report = (action, params) => out({ event: 'received', action, payload: params });
const answer = (action, fallback) => ({ status: state.answers[action] ?? fallback });

client.handle('SetChargingProfile', ({ params }) => {
  report('SetChargingProfile', params);
  const status = answer('SetChargingProfile', 'Accepted');
  if (status.status !== 'Accepted') {
    return status;
  }
  const period = params.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0];
  const commandId = params.chargingProfile.customData?.commandId ?? null;
  state.profile = { id: params.chargingProfile.id, operationMode: period.operationMode, setpoint: period.setpoint, commandId, validTo: params.chargingProfile.validTo };
  if (period.operationMode === 'CentralSetpoint' && period.setpoint < 0) {
    if (commandId && !state.executions.includes(commandId)) {
      state.executions.push(commandId); // a repeated id is a renewal of the same profile, never a second start
    }
    state.powerW = period.setpoint;
  } else {
    state.powerW = 0;
  }
  setTimeout(() => tx('Updated', 'ChargingRateChanged', { meterValue: meter() }).catch(e => out({ event: 'log', message: String(e) })), 50);
  return status;
});

client.handle('NotifyAllowedEnergyTransfer', ({ params }) => {
  report('NotifyAllowedEnergyTransfer', params);
  return answer('NotifyAllowedEnergyTransfer', 'Accepted');
});

client.handle('SetDERControl', ({ params }) => {
  report('SetDERControl', params);
  const status = answer('SetDERControl', 'Accepted');
  if (status.status === 'Accepted') {
    state.der[params.controlId] = params;
  }
  return status;
});

client.handle('ClearDERControl', ({ params }) => {
  report('ClearDERControl', params);
  if (params.controlId && state.der[params.controlId]) {
    delete state.der[params.controlId];
    return { status: 'Accepted' };
  }
  return { status: 'NotFound' };
});

const derField = {
  LimitMaxDischarge: 'limitMaxDischarge', FixedPFAbsorb: 'fixedPFAbsorb', FixedPFInject: 'fixedPFInject', FixedVar: 'fixedVar',
  FreqDroop: 'freqDroop', EnterService: 'enterService', Gradients: 'gradient',
};

client.handle('GetDERControl', ({ params }) => {
  report('GetDERControl', params);
  const held = Object.values(state.der);
  setTimeout(async () => {
    const reportPayload = { requestId: params.requestId };
    for (const c of held) {
      const field = derField[c.controlType] ?? 'curve';
      const key = { limitMaxDischarge: 'limitMaxDischarge', fixedPFAbsorb: 'fixedPFAbsorb', fixedPFInject: 'fixedPFInject', fixedVar: 'fixedVar', freqDroop: 'freqDroop', enterService: 'enterService', gradient: 'gradient', curve: 'curve' }[field];
      let entry;
      if (field === 'curve') entry = { id: c.controlId, curveType: c.controlType, isDefault: c.isDefault, isSuperseded: false, curve: c.curve };
      else if (field === 'enterService') entry = { id: c.controlId, enterService: c.enterService };
      else if (field === 'gradient') entry = { id: c.controlId, gradient: c.gradient };
      else if (field === 'fixedPFAbsorb' || field === 'fixedPFInject') entry = { id: c.controlId, isDefault: c.isDefault, isSuperseded: false, fixedPF: c[field] };
      else entry = { id: c.controlId, isDefault: c.isDefault, isSuperseded: false, [field]: c[field] };
      (reportPayload[key] ??= []).push(entry);
    }
    try {
      await client.call('ReportDERControl', reportPayload);
      out({ event: 'reported', controls: held.map(c => c.controlId) });
    } catch (e) {
      out({ event: 'log', message: 'ReportDERControl: ' + String(e) });
    }
  }, 20);
  return { status: held.length ? 'Accepted' : 'NotFound' };
});

client.handle('GetBaseReport', ({ params }) => {
  report('GetBaseReport', params);
  setTimeout(async () => {
    try {
      await client.call('NotifyReport', {
        requestId: params.requestId,
        generatedAt: now(),
        seqNo: 0,
        tbc: false,
        reportData: [
          {
            component: { name: 'V2XChargingCtrlr', evse: { id: 1 } },
            variable: { name: 'Enabled' },
            variableAttribute: [{ type: 'Actual', value: String(state.v2xEnabled), mutability: 'ReadWrite' }],
          },
          {
            component: { name: 'V2XChargingCtrlr', evse: { id: 1 } },
            variable: { name: 'SupportedOperationModes' },
            variableAttribute: [{ type: 'Actual', value: 'ChargingOnly,CentralSetpoint,ExternalLimits', mutability: 'ReadOnly' }],
          },
        ],
      });
      out({ event: 'reportSent', v2xEnabled: state.v2xEnabled });
    } catch (e) {
      out({ event: 'log', message: 'NotifyReport: ' + String(e) });
    }
  }, 10);
  return { status: 'Accepted' };
});

// Its meter settings (SampledDataCtrlr): each variable answered as the test says (state.variables[name]), else Accepted.
client.handle('SetVariables', ({ params }) => {
  report('SetVariables', params);
  return {
    setVariableResult: params.setVariableData.map(d => ({
      attributeStatus: state.variables[d.variable.name] ?? 'Accepted',
      component: d.component,
      variable: d.variable,
    })),
  };
});

client.handle('TriggerMessage', ({ params }) => {
  report('TriggerMessage', params);
  setTimeout(async () => {
    try {
      if (params.requestedMessage === 'StatusNotification') {
        await client.call('StatusNotification', { timestamp: now(), connectorStatus: state.connector, evseId: 1, connectorId: 1 });
      } else if (params.requestedMessage === 'TransactionEvent' && state.transactionId) {
        await tx('Updated', 'Trigger', { meterValue: meter() });
      }
    } catch (e) {
      out({ event: 'log', message: 'trigger: ' + String(e) });
    }
  }, 10);
  return { status: 'Accepted' };
});

client.handle(({ method, params }) => {
  report(method, params);
  const err = new Error(`not implemented by the test station: ${method}`);
  err.rpcErrorCode = 'NotImplemented';
  throw err;
});

async function run(command) {
  switch (command.op) {
    case 'connect':
      await client.connect();
      return { subprotocol: client.protocol };
    case 'call':
      return client.call(command.action, command.payload);
    case 'plug': {
      state.connector = 'Occupied';
      state.transactionId = command.transactionId ?? `tx-${Date.now()}`;
      state.vehicle = command.vehicle;
      state.soc = command.soc ?? null;
      state.modes = command.modes ?? [];
      await client.call('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
      await tx('Started', 'CablePluggedIn', {
        idToken: { idToken: command.vehicle, type: 'eMAID' },
        meterValue: meter(),
      });
      if (subprotocol === 'ocpp2.1' && state.modes.length) {
        const dc = state.modes.some(m => m.startsWith('DC'));
        await client.call('NotifyEVChargingNeeds', {
          evseId: 1,
          chargingNeeds: {
            requestedEnergyTransfer: state.modes[0],
            availableEnergyTransfer: state.modes,
            controlMode: 'DynamicControl',
            ...(dc ? { dcChargingParameters: { evMaxCurrent: 200, evMaxVoltage: 500, stateOfCharge: Math.round(state.soc ?? 50) } } : {}),
            v2xChargingParameters: { maxChargePower: 11000, maxDischargePower: 11000 },
          },
        });
      }
      return { transactionId: state.transactionId };
    }
    case 'unplug':
      state.powerW = 0;
      await tx('Ended', 'EVDeparted', { meterValue: meter() });
      state.transactionId = null;
      state.profile = null;
      state.connector = 'Available';
      await client.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
      return {};
    case 'answer':
      state.answers[command.action] = command.status;
      return {};
    case 'registers-only':
      state.registersOnly = command.on;
      return {};
    case 'meter':
      await tx('Updated', 'MeterValuePeriodic', { meterValue: meter() });
      return {};
    case 'v2x':
      state.v2xEnabled = command.enabled;
      return {};
    case 'raw':
      client.sendRaw(command.text);
      return {};
    case 'flood':
      for (let i = 0; i < command.count; i++) {
        client.sendRaw(`[2,"flood-${i}","Heartbeat",{}]`);
      }
      return {};
    case 'drop':
      await client.close({ code: 1001, reason: 'going away', awaitPending: false, force: true });
      return {};
    case 'state':
      return { executions: state.executions, der: Object.keys(state.der), profile: state.profile, powerW: state.powerW };
    case 'exit':
      await client.close({ force: true }).catch(() => {});
      setTimeout(() => process.exit(0), 10);
      return {};
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async line => {
  let command;
  try {
    command = JSON.parse(line);
  } catch {
    out({ event: 'log', message: 'not JSON: ' + line });
    return;
  }
  try {
    const result = await run(command);
    out({ event: 'done', id: command.id ?? null, result: result ?? null });
  } catch (e) {
    out({ event: 'failed', id: command.id ?? null, code: e.rpcErrorCode ?? e.code ?? null, message: String(e.message ?? e) });
  }
});
lines.on('close', () => client.close({ force: true }).finally(() => process.exit(0)));
out({ event: 'ready' });
