import { webTrigger, storage, fetch } from "@forge/api";

// The scheduledTrigger module repeatedly invokes a function on a scheduled interval. 
// Each trigger is scheduled to start shortly after it is created, about 5 minutes after app deployment. 
// It then runs based on the configured interval hour , day or week.

// The `listener` function is called when the webtrigger is invoked
export async function listener(req) {
  try {
    const body = JSON.parse(req.body);
    const newmotd = body.motd;
    const newDate = new Date().toLocaleString('en-GB', { timeZone: 'Europe/London' });
    await storage.set("motd", `${newDate} - ${newmotd}`);
    return {
      body: "Success: Message updated\n",
      headers: { "Content-Type": ["application/json"] },
      statusCode: 200,
      statusText: "OK",
    };
  } catch (error) {
    return {
      body: error + "\n",
      headers: { "Content-Type": ["application/json"] },
      statusCode: 400,
      statusText: "Bad Request",
    }
  }
}

// The `runWebTrigger` function is called repeatedly in an scheduled way
export async function runWebTrigger() {
  console.log('scheduled!');
  const newDate = new Date().toLocaleString('en-GB', { timeZone: 'Europe/London' });
  try {
    await storage.set("motd", `${newDate} - auto scheduled`);
    return {
      body: "Success: Message updated\n",
      headers: { "Content-Type": ["application/json"] },
      statusCode: 200,
      statusText: "OK",
    };
  } catch (error) {
    return {
      body: error + "\n",
      headers: { "Content-Type": ["application/json"] },
      statusCode: 400,
      statusText: "Bad Request",
    }
  }
}

// Send message function
export const sendMessage = async (req, mes) => {
  console.log('req', req);
  const response = await fetch(req.trigger, {
    body: JSON.stringify({ motd: mes || "hello from sendMessage" }),
    headers: {
      "Content-Type": "application/json"
    },
    method: "POST"
  })
  // console.log('response', response);
  console.log(`Response: ${response.status} ${response.statusText}`);
  // console.log(await response.json());
};
