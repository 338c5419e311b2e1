/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GM/T 0016-2012 "Smart token cryptography application interface specification" (SKF) types
 * and functions eseal calls, declared by us from the standard (§5 data types, §6 structures, §7
 * functions; error codes from its appendix A). A vendor's SKF module is loaded with dlopen and
 * these functions are resolved with dlsym (skf.c); tests/skf/ implements them as a test double.
 *
 * Layouts follow the standard's tables: every integer of a structure is a 32-bit ULONG and the
 * structures are byte-packed (§6 lists DEVINFO's fields back to back: its first ULONG sits at
 * offset 198). We checked them against GmSSL's public src/skf/skf.h (pack(1), the same field
 * order and sizes; its default ULONG is 32 bits too). Two things vary between vendors and we
 * follow the standard on both: BOOL is a 32-bit int here (GmSSL types it `long`: only passed by
 * value, so the calling convention hides the difference), and ULONG is 32 bits even on LP64
 * (a module built with a 64-bit ULONG is not GM/T 0016 and would not work).
 *
 * ECC values in ECCPUBLICKEYBLOB and ECCSIGNATUREBLOB sit in 64-byte fields sized for 512-bit
 * curves: a 256-bit SM2 value takes the last 32 bytes, right-aligned, after 32 zero bytes
 * (§6.4.5, §6.4.7).
 */
#ifndef ES_SKF_H
#define ES_SKF_H

#include <stdint.h>

typedef uint32_t SKF_ULONG;
typedef int32_t SKF_BOOL;
typedef uint8_t SKF_BYTE;
typedef char *SKF_LPSTR;
typedef void *DEVHANDLE;
typedef void *HAPPLICATION;
typedef void *HCONTAINER;

#define SKF_TRUE 1
#define SKF_FALSE 0

/* §7.2.6 ulPINType */
#define SKF_ADMIN_TYPE 0
#define SKF_USER_TYPE 1

/* The algorithm of SKF_GenECCKeyPair: SM2 signatures, GM/T 0006-2012's SGD_SM2_1 (the value SKF modules
 * take; some headers, GmSSL's among them, number the SM2 family differently). */
#define SKF_SGD_SM2_1 0x00020100u

/* §6.4.5: room for 512-bit coordinates */
#define SKF_ECC_MAX_BYTES 64
/* The SM2 curve's 256-bit values, right-aligned in those fields */
#define SKF_SM2_BYTES 32

#pragma pack(push, 1)
/* §6.4.1 */
typedef struct {
    SKF_BYTE major;
    SKF_BYTE minor;
} SKF_VERSION;

/* §6.4.2 */
typedef struct {
    SKF_VERSION Version;
    char Manufacturer[64];
    char Issuer[64];
    char Label[32];
    char SerialNumber[32];
    SKF_VERSION HWVersion;
    SKF_VERSION FirmwareVersion;
    SKF_ULONG AlgSymCap;
    SKF_ULONG AlgAsymCap;
    SKF_ULONG AlgHashCap;
    SKF_ULONG DevAuthAlgId;
    SKF_ULONG TotalSpace;
    SKF_ULONG FreeSpace;
    SKF_ULONG MaxECCBufferSize;
    SKF_ULONG MaxBufferSize;
    SKF_BYTE Reserved[64];
} DEVINFO;

/* §6.4.5 */
typedef struct {
    SKF_ULONG BitLen;
    SKF_BYTE XCoordinate[SKF_ECC_MAX_BYTES];
    SKF_BYTE YCoordinate[SKF_ECC_MAX_BYTES];
} ECCPUBLICKEYBLOB;

/* §6.4.7 */
typedef struct {
    SKF_BYTE r[SKF_ECC_MAX_BYTES];
    SKF_BYTE s[SKF_ECC_MAX_BYTES];
} ECCSIGNATUREBLOB;
#pragma pack(pop)

_Static_assert(sizeof(DEVINFO) == 294, "DEVINFO is byte-packed (GM/T 0016-2012 §6.4.2)");
_Static_assert(sizeof(ECCPUBLICKEYBLOB) == 132, "ECCPUBLICKEYBLOB: BitLen + 2 x 64 bytes (§6.4.5)");
_Static_assert(sizeof(ECCSIGNATUREBLOB) == 128, "ECCSIGNATUREBLOB: 2 x 64 bytes (§6.4.7)");

/* Appendix A: the codes eseal tells apart (the rest are reported by number). */
#define SAR_OK 0x00000000u
#define SAR_FAIL 0x0A000001u
#define SAR_UNKNOWNERR 0x0A000002u
#define SAR_NOTSUPPORTYETERR 0x0A000003u
#define SAR_INVALIDHANDLEERR 0x0A000005u
#define SAR_INVALIDPARAMERR 0x0A000006u
#define SAR_NAMELENERR 0x0A000009u
#define SAR_MEMORYERR 0x0A00000Eu
#define SAR_INDATALENERR 0x0A000010u
#define SAR_INDATAERR 0x0A000011u
#define SAR_KEYNOTFOUNTERR 0x0A00001Bu /* sic, the standard's spelling */
#define SAR_CERTNOTFOUNTERR 0x0A00001Cu
#define SAR_BUFFER_TOO_SMALL 0x0A000020u
#define SAR_DEVICE_REMOVED 0x0A000023u
#define SAR_PIN_INCORRECT 0x0A000024u
#define SAR_PIN_LOCKED 0x0A000025u
#define SAR_PIN_INVALID 0x0A000026u
#define SAR_PIN_LEN_RANGE 0x0A000027u
#define SAR_USER_NOT_LOGGED_IN 0x0A00002Du
#define SAR_APPLICATION_NOT_EXISTS 0x0A00002Eu
#define SAR_FILE_NOT_EXIST 0x0A000031u

/*
 * The function types (§7). Name lists (EnumDev, EnumApplication, EnumContainer) are strings one
 * after another, each NUL-terminated, the list ended by an empty string: "a\0b\0\0". A call with a
 * NULL buffer answers the size needed in *pulSize.
 */
typedef SKF_ULONG (*SKF_EnumDev_fn)(SKF_BOOL bPresent, SKF_LPSTR szNameList, SKF_ULONG *pulSize);           /* §7.1.4 */
typedef SKF_ULONG (*SKF_ConnectDev_fn)(SKF_LPSTR szName, DEVHANDLE *phDev);                                /* §7.1.5 */
typedef SKF_ULONG (*SKF_DisConnectDev_fn)(DEVHANDLE hDev);                                                 /* §7.1.6 */
typedef SKF_ULONG (*SKF_GetDevInfo_fn)(DEVHANDLE hDev, DEVINFO *pDevInfo);                                 /* §7.1.9 */
typedef SKF_ULONG (*SKF_VerifyPIN_fn)(HAPPLICATION hApplication, SKF_ULONG ulPINType, SKF_LPSTR szPIN,
                                      SKF_ULONG *pulRetryCount);                                           /* §7.2.6 */
typedef SKF_ULONG (*SKF_EnumApplication_fn)(DEVHANDLE hDev, SKF_LPSTR szAppName, SKF_ULONG *pulSize);      /* §7.3.3 */
typedef SKF_ULONG (*SKF_OpenApplication_fn)(DEVHANDLE hDev, SKF_LPSTR szAppName, HAPPLICATION *phApplication); /* §7.3.5 */
typedef SKF_ULONG (*SKF_CloseApplication_fn)(HAPPLICATION hApplication);                                   /* §7.3.6 */
typedef SKF_ULONG (*SKF_OpenContainer_fn)(HAPPLICATION hApplication, SKF_LPSTR szContainerName,
                                          HCONTAINER *phContainer);                                        /* §7.5.4 */
typedef SKF_ULONG (*SKF_CloseContainer_fn)(HCONTAINER hContainer);                                         /* §7.5.5 */
typedef SKF_ULONG (*SKF_EnumContainer_fn)(HAPPLICATION hApplication, SKF_LPSTR szContainerName,
                                          SKF_ULONG *pulSize);                                             /* §7.5.6 */
/* bSignFlag TRUE: the signing key pair's certificate / public key (FALSE: the encryption pair's). */
typedef SKF_ULONG (*SKF_ExportCertificate_fn)(HCONTAINER hContainer, SKF_BOOL bSignFlag, SKF_BYTE *pbCert,
                                              SKF_ULONG *pulCertLen);                                      /* §7.5.9 */
/* For an ECC pair the blob is an ECCPUBLICKEYBLOB. */
typedef SKF_ULONG (*SKF_ExportPublicKey_fn)(HCONTAINER hContainer, SKF_BOOL bSignFlag, SKF_BYTE *pbBlob,
                                            SKF_ULONG *pulBlobLen);                                        /* §7.6.23 */
/* Key generation (optional symbols: a module without them still signs). */
typedef SKF_ULONG (*SKF_CreateContainer_fn)(HAPPLICATION hApplication, SKF_LPSTR szContainerName,
                                            HCONTAINER *phContainer);                                      /* §7.5.2 */
typedef SKF_ULONG (*SKF_GenECCKeyPair_fn)(HCONTAINER hContainer, SKF_ULONG ulAlgId, ECCPUBLICKEYBLOB *pBlob); /* §7.6.11 */
/* pbDigest is e = SM3(Z || M), computed by the caller (§7.6.13; GM/T 0009-2012 §8 for Z). */
typedef SKF_ULONG (*SKF_ECCSignData_fn)(HCONTAINER hContainer, SKF_BYTE *pbDigest, SKF_ULONG ulDigestLen,
                                        ECCSIGNATUREBLOB *pSignature);                                     /* §7.6.13 */

#endif
